/// <reference lib="webworker" />
import { AudioSample, AudioSampleSource, BufferTarget, canEncodeVideo, Mp4OutputFormat, Output, QUALITY_MEDIUM, VideoSample, VideoSampleSource, type VideoCodec } from 'mediabunny'
import { AudioTimeline, type AudioSource } from './audio-timeline.ts'
import { FrameSlots } from './frame-slots.ts'
import type { RecordingSummary } from './protocol.ts'

/** Opus runs at 48 kHz inside; giving it that rate spares the encoder a resampler of its own. */
const AUDIO_RATE = 48000
/** In order of how widely an MP4 of it plays. */
const VIDEO_CODECS: VideoCodec[] = ['avc', 'vp9', 'av1']
/**
 * The sound is encoded this far behind the picture: the user's speech is known only when the
 * detector ends its segment (its end-of-speech delay after the last word, a long sentence after
 * its first), and it must still be ahead of what was encoded. Up to here it costs memory only
 * (48 kHz float: ~190 kB/s), and the stop encodes the rest.
 */
const AUDIO_LAG_MS = 20_000
/** Frames waiting for the encoder beyond this are dropped (their slots repeat the last frame): memory stays bounded when the encoder falls behind. */
const MAX_QUEUED_FRAMES = 8

interface Tracks {
  output: Output<Mp4OutputFormat, BufferTarget>
  video: VideoSampleSource
  audio: AudioSampleSource
  codec: VideoCodec
}

/**
 * One recording, in the recorder worker: the face's frames on a constant frame rate, the voice on
 * its timeline, encoded with WebCodecs (through mediabunny's sample sources) and muxed into a
 * fragmented MP4 in memory. Fragmented, so that the file's metadata never waits for the end — the
 * way to write it to storage as it is made. The tracks are made at the first frame: the encoder
 * needs the picture's size.
 */
export class LiveRecording {
  private readonly slots: FrameSlots
  private readonly timeline = new AudioTimeline(AUDIO_RATE)
  private tracks: Promise<Tracks> | null = null
  /** The last frame in the file, kept open to repeat over skipped slots. */
  private last: VideoFrame | null = null
  /** Frames are encoded one after another, in order. */
  private queue: Promise<void> = Promise.resolve()
  private queued = 0
  private dropped = 0
  private encodeMs = 0
  private encoded = 0
  private failure: unknown = null
  bytes = 0

  constructor(
    private readonly startAt: number,
    fps: number,
  ) {
    this.slots = new FrameSlots(fps)
  }

  /** A frame the face drew at `at` (epoch ms); the recording owns it from here. */
  frame(frame: VideoFrame, at: number) {
    const ms = at - this.startAt
    if (this.failure || this.queued >= MAX_QUEUED_FRAMES) {
      if (!this.failure && this.slots.slotAt(ms) >= 0) this.dropped++
      return frame.close()
    }
    const span = this.slots.place(ms)
    if (!span) return frame.close()
    this.queued++
    this.enqueue(async () => {
      const t = await this.open(frame)
      const begun = performance.now()
      for (let slot = span.from; slot < span.to; slot++) await this.encodeFrame(t, this.last ?? frame, slot)
      await this.encodeFrame(t, frame, span.to)
      this.last?.close()
      this.last = frame
      this.encodeMs += performance.now() - begun
      this.encoded += span.to - span.from + 1
      await this.flushAudio(t, ms - AUDIO_LAG_MS)
    }).finally(() => this.queued--)
  }

  /** Sound heard from `at` on: the avatar's voice, or the user's. */
  audio(samples: Float32Array, sampleRate: number, at: number, source: AudioSource) {
    this.timeline.place(at - this.startAt, samples, sampleRate, source)
  }

  /** Nothing queued is heard after `at`. */
  cut(at: number) {
    this.timeline.cut(at - this.startAt)
  }

  /** Ends the file at `at`: the last frame holds to the end, the sound runs to it. */
  async stop(at: number): Promise<{ bytes: ArrayBuffer; summary: RecordingSummary }> {
    const ms = at - this.startAt
    await this.enqueue(async () => {
      if (!this.tracks) throw Object.assign(new Error('The recording has no picture: the face drew no frame while it ran.'), { code: 'recording_empty' })
      const t = await this.tracks
      const rest = this.slots.finish(ms)
      if (rest) for (let slot = rest.from; slot <= rest.to; slot++) await this.encodeFrame(t, this.last!, slot)
      // The sound ends with the picture (its last slot's end), so that both tracks last as long.
      await this.flushAudio(t, (this.slots.count * 1000) / this.slots.fps)
    })
    if (this.failure) throw this.failure
    const t = await this.tracks!
    t.video.close()
    t.audio.close()
    await t.output.finalize()
    this.last?.close()
    this.last = null
    const frames = this.slots.count
    return {
      bytes: t.output.target.buffer!,
      summary: {
        mimeType: await t.output.getMimeType(),
        videoCodec: t.codec,
        audioCodec: 'opus',
        videoSeconds: frames / this.slots.fps,
        audioSeconds: this.timeline.seconds,
        frames,
        dropped: this.dropped,
        encodeMsPerFrame: this.encoded ? this.encodeMs / this.encoded : 0,
      },
    }
  }

  /** Drops the recording (the page is going, or it failed). */
  async cancel() {
    this.last?.close()
    this.last = null
    if (this.tracks) await (await this.tracks.catch(() => null))?.output.cancel()
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job).catch((err: unknown) => void (this.failure ??= err))
    this.queue = run
    return run
  }

  private open(first: VideoFrame): Promise<Tracks> {
    this.tracks ??= (async () => {
      const size = { width: first.displayWidth, height: first.displayHeight }
      let codec: VideoCodec | undefined
      for (const c of VIDEO_CODECS) if (await canEncodeVideo(c, size)) { codec = c; break }
      if (!codec) throw Object.assign(new Error(`This browser cannot encode a ${size.width}×${size.height} video (no H.264, VP9 or AV1 encoder).`), { code: 'recording_unsupported' })
      const output = new Output({ format: new Mp4OutputFormat({ fastStart: 'fragmented' }), target: new BufferTarget() })
      const count = (p: { byteLength: number }) => void (this.bytes += p.byteLength)
      // A window resize mid-recording changes the canvas: the file keeps its first size, the picture scaled into it.
      const video = new VideoSampleSource({ codec, quality: QUALITY_MEDIUM, sizeChangeBehavior: 'contain', onEncodedPacket: count })
      const audio = new AudioSampleSource({ codec: 'opus', quality: QUALITY_MEDIUM, onEncodedPacket: count })
      output.addVideoTrack(video, { frameRate: this.slots.fps })
      output.addAudioTrack(audio)
      await output.start()
      return { output, video, audio, codec }
    })()
    return this.tracks
  }

  private async encodeFrame(t: Tracks, source: VideoFrame, slot: number) {
    const duration = 1 / this.slots.fps
    // A new VideoFrame on the same picture (no copy): each slot needs its own timestamp.
    const frame = new VideoFrame(source, { timestamp: Math.round(this.slots.seconds(slot) * 1e6), duration: Math.round(duration * 1e6) })
    const sample = new VideoSample(frame)
    try {
      await t.video.add(sample)
    } finally {
      sample.close()
    }
  }

  private async flushAudio(t: Tracks, untilMs: number) {
    const sound = this.timeline.take(untilMs)
    if (!sound) return
    const sample = new AudioSample({ data: sound.samples, format: 'f32', numberOfChannels: 1, sampleRate: AUDIO_RATE, timestamp: sound.startSample / AUDIO_RATE })
    try {
      await t.audio.add(sample)
    } finally {
      sample.close()
    }
  }
}
