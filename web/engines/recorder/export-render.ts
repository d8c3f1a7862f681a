/// <reference lib="webworker" />
// A video of past answers made after the fact: the local face drawn by the same engine and
// bundle as the live one (on Canvas2D: the same pixels on every machine), driven by the kept
// voice's phonemes or sound, on the file's own clock — not in real time, as fast as the encoder
// takes frames. Its idle life is seeded, so the same answers make the same pictures.
import { AudioSample, AudioSampleSource, canEncodeVideo, Mp4OutputFormat, Output, QUALITY_MEDIUM, StreamTarget, TextSubtitleSource, VideoSample, VideoSampleSource, WebMOutputFormat, type StreamTargetChunk, type VideoCodec } from 'mediabunny'
import { DownSampler } from '../../lib/audio/resampler.ts'
import { Canvas2DRenderer } from '../avatar/canvas2d-renderer.ts'
import { LayeredEngine } from '../avatar/layered-engine.ts'
import { loadAvatar } from '../avatar/load-bundle.ts'
import type { Mood } from '../avatar/pose.ts'
import { AudioTimeline } from './audio-timeline.ts'
import { CaptionTrack } from './captions.ts'
import type { ExportAnswer, ExportPlan } from './export-protocol.ts'
import { VIDEO_CODECS } from './live-recording.ts'
import { toWebVtt, type Caption } from './stored.ts'

const AUDIO_RATE = 48000
/** The question's caption shows this long over the face listening, before the answer. */
const QUESTION_MS = 1500
/** The face rests a moment after each answer. */
const AFTER_MS = 400

interface Segment {
  from: number
  to: number
  mood: Mood
  answer?: ExportAnswer
}

const secondsOf = (s: ExportAnswer['sentences'][number]) => (s.samples.length * 1000) / s.sampleRate

/** How long an answer is heard: to its end, or to where it was interrupted. */
export function answerLength(a: ExportAnswer): number {
  const end = Math.max(0, ...a.sentences.map((s) => s.startMs + secondsOf(s)))
  return a.heardMs === null ? end : Math.min(end, a.heardMs)
}

/** The file's clock: each answer's question, the answer, a rest; its sound and captions placed on it. */
export function schedule(answers: ExportAnswer[], timeline: AudioTimeline, captions: CaptionTrack): { segments: Segment[]; totalMs: number } {
  const segments: Segment[] = []
  let t = 0
  for (const a of answers) {
    if (a.question.trim()) {
      captions.add({ speaker: 'you', text: a.question, startMs: t, endMs: t + QUESTION_MS })
      segments.push({ from: t, to: t + QUESTION_MS, mood: 'listening' })
      t += QUESTION_MS
    }
    const length = answerLength(a)
    for (const s of a.sentences) {
      if (s.startMs >= length) continue
      const heard = Math.min(s.samples.length, Math.round(((length - s.startMs) * s.sampleRate) / 1000))
      timeline.place(t + s.startMs, s.samples.subarray(0, heard), s.sampleRate, 'avatar')
      captions.add({ speaker: 'avatar', text: s.text, startMs: t + s.startMs, endMs: t + Math.min(s.startMs + secondsOf(s), length) })
    }
    segments.push({ from: t, to: t + length, mood: 'speaking', answer: a })
    t += length
    segments.push({ from: t, to: t + AFTER_MS, mood: 'idle' })
    t += AFTER_MS
  }
  return { segments, totalMs: t }
}

/** The face learns an answer's sentences before its first frame: visemes from phonemes, or from the sound at 16 kHz. */
function teach(engine: LayeredEngine, a: ExportAnswer) {
  engine.flush()
  for (const s of a.sentences) {
    const audio16k = s.phonemes?.length || s.sampleRate < 16000 ? undefined : new DownSampler(s.sampleRate, 16000).process(s.samples).slice()
    engine.infer(engine.features({ startMs: s.startMs, phonemes: s.phonemes, audio16k }))
  }
}

export async function renderExport(plan: ExportPlan, out: WritableStream<StreamTargetChunk>, onProgress: (doneS: number, totalS: number) => void): Promise<{ seconds: number; frames: number; captions: Caption[] }> {
  const avatar = await loadAvatar(plan.avatarUrl)
  const fps = avatar.manifest.fps
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2)
  const width = even(plan.width)
  // Even sizes: H.264 takes no other.
  const canvas = new OffscreenCanvas(width, even((width * avatar.manifest.height) / avatar.manifest.width))
  const engine = new LayeredEngine()
  await engine.loadAvatar(avatar)
  engine.renderer = await Canvas2DRenderer.create(canvas, avatar)

  const timeline = new AudioTimeline(AUDIO_RATE)
  const captions = new CaptionTrack()
  const { segments, totalMs } = schedule(plan.answers, timeline, captions)
  if (!segments.length) throw Object.assign(new Error('There is nothing to make a video of: no answer was spoken.'), { code: 'export_empty' })

  const size = { width: canvas.width, height: canvas.height }
  let codec: VideoCodec | undefined
  for (const c of VIDEO_CODECS[plan.container]) if (await canEncodeVideo(c, size)) { codec = c; break }
  if (!codec) throw Object.assign(new Error(`This browser cannot encode a ${size.width}×${size.height} ${plan.container.toUpperCase()} video.`), { code: 'recording_unsupported' })
  const format = plan.container === 'mp4' ? new Mp4OutputFormat({ fastStart: false }) : new WebMOutputFormat()
  const output = new Output({ format, target: new StreamTarget(out) })
  const video = new VideoSampleSource({ codec, quality: QUALITY_MEDIUM })
  const audio = new AudioSampleSource({ codec: 'opus', quality: QUALITY_MEDIUM })
  const subtitles = new TextSubtitleSource('webvtt')
  output.addVideoTrack(video, { frameRate: fps })
  output.addAudioTrack(audio)
  output.addSubtitleTrack(subtitles, { languageCode: 'und', name: 'Conversation' })
  await output.start()
  await subtitles.add(toWebVtt(captions.list(totalMs)))
  subtitles.close()

  const frames = Math.ceil((totalMs * fps) / 1000)
  const flushAudio = async (untilMs: number) => {
    const sound = timeline.take(untilMs)
    if (!sound) return
    const sample = new AudioSample({ data: sound.samples, format: 'f32', numberOfChannels: 1, sampleRate: AUDIO_RATE, timestamp: sound.startSample / AUDIO_RATE })
    try {
      await audio.add(sample)
    } finally {
      sample.close()
    }
  }
  let seg = -1
  for (let n = 0; n < frames; n++) {
    const ms = (n * 1000) / fps
    while (seg + 1 < segments.length && segments[seg + 1]!.from <= ms) {
      seg++
      const a = segments[seg]!.answer
      if (a) teach(engine, a)
    }
    const s = segments[seg]!
    if (s.answer) engine.composeFrame(ms, ms - s.from, s.mood)
    else engine.idleFrame(ms, s.mood)
    const frame = new VideoFrame(canvas, { timestamp: Math.round(n * (1e6 / fps)), duration: Math.round(1e6 / fps) })
    const sample = new VideoSample(frame)
    try {
      await video.add(sample)
    } finally {
      sample.close()
      frame.close()
    }
    if (n % fps === 0) {
      await flushAudio(ms)
      onProgress(ms / 1000, totalMs / 1000)
    }
  }
  await flushAudio((frames * 1000) / fps)
  video.close()
  audio.close()
  await output.finalize()
  engine.dispose()
  return { seconds: frames / fps, frames, captions: captions.list(totalMs) }
}
