import { AppError } from '../../lib/errors.ts'
import type { CaptureControl, CaptureReport } from './capture.worklet.ts'
import workletUrl from './capture.worklet.ts?worker&url'

export interface MicrophoneOptions {
  deviceId?: string
  /** Level readings for the meter, about 20 a second. */
  onLevel?(level: CaptureReport): void
}

export interface Microphone {
  /**
   * A new channel for the 16 kHz frames: the worklet sends on its end from now on; the returned
   * end goes to the VAD worker (again after a VAD restart).
   */
  framePort(): MessagePort
  /** The same 16 kHz frames for another taker, until it posts anything back on the port (then it is closed). */
  tapPort(): MessagePort
  deviceId: string | undefined
  label: string
  setMuted(muted: boolean): void
  stop(): Promise<void>
}

/**
 * Opens the microphone (echo cancellation, noise suppression and auto gain on) and starts the
 * capture worklet. Returns the port on which 16 kHz frames arrive, for the VAD worker.
 */
export async function openMicrophone(options: MicrophoneOptions = {}): Promise<Microphone> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new AppError('mic_unsupported', 'This browser cannot use a microphone here. Microphones need a secure page (https or localhost) and a recent browser. You can keep typing.')
  }
  let stream: MediaStream
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        deviceId: options.deviceId ? { exact: options.deviceId } : undefined,
        channelCount: 1,
        echoCancellation: true,
        noiseSuppression: true,
        autoGainControl: true,
      },
    })
  } catch (err) {
    throw micError(err)
  }
  const track = stream.getAudioTracks()[0]!
  const context = new AudioContext({ latencyHint: 'interactive' })
  try {
    await context.audioWorklet.addModule(workletUrl)
    const source = context.createMediaStreamSource(stream)
    // No outputs: the node is processed because it has an input, and plays nothing.
    const node = new AudioWorkletNode(context, 'parley-capture', { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' })
    node.port.onmessage = (e: MessageEvent<CaptureReport>) => options.onLevel?.(e.data)
    source.connect(node)
    if (context.state === 'suspended') await context.resume()
    return {
      framePort() {
        const channel = new MessageChannel()
        node.port.postMessage({ type: 'connect', port: channel.port1 } satisfies CaptureControl, [channel.port1])
        return channel.port2
      },
      tapPort() {
        const channel = new MessageChannel()
        node.port.postMessage({ type: 'tap', port: channel.port1 } satisfies CaptureControl, [channel.port1])
        return channel.port2
      },
      deviceId: track.getSettings().deviceId,
      label: track.label,
      setMuted(muted) {
        track.enabled = !muted
        node.port.postMessage({ type: 'mute', muted } satisfies CaptureControl)
      },
      async stop() {
        source.disconnect()
        node.port.onmessage = null
        for (const t of stream.getTracks()) t.stop()
        await context.close()
      },
    }
  } catch (err) {
    for (const t of stream.getTracks()) t.stop()
    await context.close().catch(() => {})
    throw new AppError('mic_failed', `The microphone opened but audio capture could not start (${(err as Error).message}). Reload the page; you can keep typing meanwhile.`)
  }
}

/**
 * Throws at once when the browser already says the microphone is blocked for this site (a "no"
 * remembered from before): no need to load speech detection first to find out. Where the
 * Permissions API does not know (or is missing), the real answer comes from `openMicrophone`.
 */
export async function assertMicrophoneNotBlocked(): Promise<void> {
  const state = await navigator.permissions?.query({ name: 'microphone' as PermissionName }).then((s) => s.state, () => undefined)
  if (state === 'denied') throw micError(Object.assign(new Error('denied'), { name: 'NotAllowedError' }))
}

function micError(err: unknown): AppError {
  const name = (err as { name?: string })?.name
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new AppError('mic_denied', 'Microphone access is blocked. Allow it in the site settings (the icon left of the address bar) and press the microphone button again — or keep typing.')
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return new AppError('mic_not_found', 'No microphone was found. Plug one in or pick another in Settings → Microphone — or keep typing.')
  }
  if (name === 'NotReadableError' || name === 'AbortError') {
    return new AppError('mic_busy', 'The microphone is in use by another program or could not be started. Close the other program and try again — or keep typing.')
  }
  return new AppError('mic_failed', `The microphone could not be opened (${(err as Error)?.message ?? String(err)}).`)
}

/** The audio inputs the user can pick from (labels appear once permission was granted). */
export async function listMicrophones(): Promise<{ deviceId: string; label: string }[]> {
  const devices = (await navigator.mediaDevices?.enumerateDevices?.()) ?? []
  return devices.filter((d) => d.kind === 'audioinput').map((d, i) => ({ deviceId: d.deviceId, label: d.label || `Microphone ${i + 1}` }))
}
