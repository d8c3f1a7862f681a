/// <reference lib="webworker" />
import {
  AudioSample,
  AudioSampleSource,
  canEncodeVideo,
  Mp4OutputFormat,
  Output,
  QUALITY_MEDIUM,
  StreamTarget,
  VideoSample,
  VideoSampleSource,
  WebMOutputFormat,
  type StreamTargetChunk,
  type VideoCodec,
} from 'mediabunny'
import { AudioTimeline, MicClock, type AudioSource } from './audio-timeline.ts'
import { FrameSlots } from './frame-slots.ts'
import type { RecordingSummary } from './protocol.ts'
import type { RecordingContainer } from './stored.ts'

/** Opus runs at 48 kHz inside; giving it that rate spares the encoder a resampler of its own. */
const AUDIO_RATE = 48000
/** In order of how widely a file of it plays. */
export const VIDEO_CODECS: Record<RecordingContainer, VideoCodec[]> = { mp4: ['avc', 'vp9', 'av1'], webm: ['vp9', 'vp8', 'av1'] }
/**
 * The sound is encoded this far behind the picture: a sentence of the voice is placed when its
 * reply's clock says it is heard (that word takes a moment to reach this worker), and the
 * detector opens the microphone's gate a few hundred ms after the user's first sound (the gate
 * opens from before it). The file's fragments wait for both tracks, so this is also about what a
 * crash can lose beyond the last fragment.
 */
const AUDIO_LAG_MS = 1000
/**
 * The gate opens this long before the detector's word: its segments keep 320 ms before the first
 * confident frame (the speech segmenter's preSpeechPadMs, the soft start of a word), and the word
 * takes a frame and a message or two to come.
 */
export const MIC_PREROLL_MS = 400
/**
 * A fragment (MP4) or cluster (WebM) begins at a key frame: two a second (mediabunny's default is
 * one every 2 s) make fragments of half a second — with the sound's lag, about what a crash loses.
 * The face is a still picture that moves little, so the extra key frames cost little.
 */
const FRAGMENT_S = 0.5
const KEY_FRAME_EVERY_S = 0.5
/** A face that has sent nothing for this long has its last frame repeated up to this long ago (tick). */
const HOLD_AFTER_MS = 500
/** Frames waiting for the encoder beyond this are dropped (their slots repeat the last frame): memory stays bounded when the encoder falls behind. */
const MAX_QUEUED_FRAMES = 8

interface Tracks {
  output: Output<Mp4OutputFormat | WebMOutputFormat, StreamTarget>
  video: VideoSampleSource
  audio: AudioSampleSource
  codec: VideoCodec
}

/**
 * One recording, in the recorder worker: the face's frames on a constant frame rate, the voices on
 * their timeline, encoded with WebCodecs (through mediabunny's sample sources) and muxed into a
 * fragmented MP4 or an append-only WebM written to `out` as it is made. Fragmented, so that the
 * file's metadata never waits for the end: what is on disk plays up to its last fragment. The
 * tracks are made at the first frame: the encoder needs the picture's size.
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
  private readonly micClock = new MicClock()
  /** When the last frame came (epoch ms). */
  private arrivedAt = 0

  constructor(
    private readonly startAt: number,
    fps: number,
    private readonly container: RecordingContainer,
    private readonly out: WritableStream<StreamTargetChunk>,
    /** The first failure (the disk is full, the encoder failed): the recording can only stop now. */
    private readonly onFailure: (err: unknown) => void = () => {},
  ) {
    this.slots = new FrameSlots(fps)
  }

  get fps(): number {
    return this.slots.fps
  }

  /** A frame the face drew at `at` (epoch ms); the recording owns it from here. */
  frame(frame: VideoFrame, at: number) {
    this.arrivedAt = performance.timeOrigin + performance.now()
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

  /**
   * Time passes at `at` whether or not the face draws: a face that holds still (or a page the
   * browser throttles) sends no frames, and the file — fragments wait for both tracks — would
   * stop being written. After `HOLD_AFTER_MS` without a frame, the last one holds over the slots
   * up to that long ago (a frame drawn meanwhile still has its slot), and the sound follows.
   */
  tick(at: number) {
    // Only a face that has stopped sending: frames of a busy one arrive late, and a filler in their slots would drop them.
    if (this.failure || !this.tracks || !this.last || this.queued || at - this.arrivedAt < HOLD_AFTER_MS) return
    const ms = at - this.startAt
    const span = this.slots.fillBefore(ms - HOLD_AFTER_MS)
    if (!span) return
    this.queued++
    this.enqueue(async () => {
      const t = await this.tracks!
      for (let slot = span.from; slot <= span.to; slot++) await this.encodeFrame(t, this.last!, slot)
      this.encoded += span.to - span.from + 1
      await this.flushAudio(t, ms - AUDIO_LAG_MS)
    }).finally(() => this.queued--)
  }

  /** Sound heard from `at` on: the avatar's voice, or the user's. */
  audio(samples: Float32Array, sampleRate: number, at: number, source: AudioSource) {
    this.timeline.place(at - this.startAt, samples, sampleRate, source)
  }

  /** A frame of the microphone (16 kHz) that arrived at `at`: heard only while the user speaks (the gate). */
  mic(samples: Float32Array, sampleRate: number, at: number) {
    this.timeline.place(this.micClock.place(at, samples.length, sampleRate) - this.startAt, samples, sampleRate, 'mic')
  }

  /** The detector heard the user begin (`open`; from a moment before) or stop, at `at`. */
  gate(open: boolean, at: number) {
    if (open) this.timeline.openGate(at - MIC_PREROLL_MS - this.startAt)
    else this.timeline.closeGate(at - this.startAt)
  }

  /** Nothing queued is heard after `at`. */
  cut(at: number) {
    this.timeline.cut(at - this.startAt)
  }

  /** Ends the file at `at`: the last frame holds to the end, the sound runs to it. */
  async stop(at: number): Promise<RecordingSummary> {
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
      mimeType: await t.output.getMimeType(),
      videoCodec: t.codec,
      audioCodec: 'opus',
      videoSeconds: frames / this.slots.fps,
      audioSeconds: this.timeline.seconds,
      frames,
      dropped: this.dropped,
      encodeMsPerFrame: this.encoded ? this.encodeMs / this.encoded : 0,
    }
  }

  /** Drops the recording (the page is going, or it failed). */
  async cancel() {
    this.last?.close()
    this.last = null
    if (this.tracks) await (await this.tracks.catch(() => null))?.output.cancel()
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.queue.then(job).catch((err: unknown) => {
      if (this.failure) return
      this.failure = err
      this.onFailure(err)
    })
    this.queue = run
    return run
  }

  private open(first: VideoFrame): Promise<Tracks> {
    this.tracks ??= (async () => {
      const size = { width: first.displayWidth, height: first.displayHeight }
      let codec: VideoCodec | undefined
      const codecs = VIDEO_CODECS[this.container]
      for (const c of codecs) if (await canEncodeVideo(c, size)) { codec = c; break }
      if (!codec) throw Object.assign(new Error(`This browser cannot encode a ${size.width}×${size.height} ${this.container.toUpperCase()} video (none of ${codecs.join(', ')}).`), { code: 'recording_unsupported' })
      const format = this.container === 'mp4' ? new Mp4OutputFormat({ fastStart: 'fragmented', minimumFragmentDuration: FRAGMENT_S }) : new WebMOutputFormat({ appendOnly: true, minimumClusterDuration: FRAGMENT_S })
      const output = new Output({ format, target: new StreamTarget(this.out) })
      // A window resize mid-recording changes the canvas: the file keeps its first size, the picture scaled into it.
      const video = new VideoSampleSource({ codec, quality: QUALITY_MEDIUM, keyFrameInterval: KEY_FRAME_EVERY_S, sizeChangeBehavior: 'contain' })
      const audio = new AudioSampleSource({ codec: 'opus', quality: QUALITY_MEDIUM })
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
