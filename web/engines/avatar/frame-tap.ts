/// <reference lib="webworker" />
import type { DrawnFrame } from '../recorder/protocol.ts'

/**
 * Hands each drawn frame to the recorder worker while a recording runs. Why a port to another
 * worker and not the encoder here: an H.264 encode of a frame costs about what drawing it does,
 * and this worker's frame loop must keep the face at its fps. A VideoFrame made from the canvas
 * references the picture without reading it back, and is transferred, not copied.
 */
export class FrameTap {
  private port: MessagePort | null = null

  attach(port: MessagePort | null) {
    this.port?.close()
    this.port = port
  }

  get active(): boolean {
    return this.port !== null
  }

  /** The frame just drawn on `canvas` at `at` (epoch ms). */
  post(canvas: OffscreenCanvas, at: number) {
    if (!this.port || !canvas.width || !canvas.height) return
    let frame: VideoFrame
    try {
      frame = new VideoFrame(canvas, { timestamp: 0 })
    } catch {
      return // A canvas with no picture yet (a renderer switching): the recorder repeats the last frame.
    }
    const message: DrawnFrame = { frame, at }
    this.port.postMessage(message, [frame])
  }
}
