/** Where a stage runs (DESIGN §3). */
export type Placement = 'local-webgpu' | 'local-wasm' | 'relay'

export interface Transcript {
  text: string
  /** Milliseconds spent, for the latency waterfall. */
  ms: number
}

/**
 * Speech recognition, wherever it runs: a model in a worker on this device, or the relay's
 * cloud service. Audio is 16 kHz mono.
 */
export interface SpeechRecognizer {
  readonly placement: Placement
  /** Shown to the user: "whisper-base · WebGPU", "relay". */
  readonly label: string
  transcribe(audio: Float32Array, options: { signal?: AbortSignal; onPartial?(text: string): void }): Promise<Transcript>
  /**
   * A recognizer that hears the microphone as it goes (a Realtime model with its own turn
   * detection) takes the 16 kHz frames from this port while listening; a new port replaces the last.
   */
  hear?(frames: MessagePort): void
  dispose(): void
}
