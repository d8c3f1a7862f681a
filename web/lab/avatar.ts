// The avatar lab (/lab/avatar.html): a page for avatar authors — and for the browser tests, which
// drive the same face through `window.parleyLab` — to see a bundle in every state and on a voice.
import { startAvatar, type AvatarClient } from '../engines/avatar/client.ts'
import type { Expression } from '../engines/avatar/expressions.ts'
import type { Mood } from '../engines/avatar/pose.ts'
import type { RendererKind } from '../engines/avatar/protocol.ts'
import { Playback } from '../engines/playback/playback.ts'
import { createEspeakSynthesizer } from '../engines/tts/espeak/synthesizer.ts'
import type { PhonemeTiming } from '../engines/tts/phonemes.ts'
import { relaySocketUrl } from '../lib/relay-url.ts'

const host = document.getElementById('face')!
const status = document.getElementById('status')!
const avatarSelect = document.getElementById('avatar') as HTMLSelectElement
const rendererSelect = document.getElementById('renderer') as HTMLSelectElement
const expressionButtons = document.getElementById('expressions')!
const stillBox = document.getElementById('still') as HTMLInputElement
let face: AvatarClient | undefined
let playback: Playback | undefined
let onEnded: (() => void) | undefined

let remoteState: { state: string; why?: string } = { state: 'off' }
let firstFrameAt: number | undefined
/** When the last reply was handed to playback (epoch ms), and how long its voice waited for the face. */
let replyStartAt: number | undefined
let audibleAt: number | undefined
let audioDelayMs = 0
/** What the bundle shown can express (neutral first). */
let expressions: Expression[] = ['neutral']

async function start(options: { avatar?: string; prefer?: 'auto' | RendererKind; size?: number; remote?: string; maxDelayMs?: number } = {}) {
  face?.dispose()
  playback?.close()
  playback = undefined
  const avatar = options.avatar ?? avatarSelect.value ?? 'mira'
  face = startAvatar(host, {
    avatarUrl: `/avatars/${avatar}/`,
    prefer: options.prefer ?? (rendererSelect.value as 'auto' | RendererKind),
    size: options.size,
    onFallback: (s) => (status.textContent = `Now drawing with ${s.renderer}: ${s.why}`),
    onRemote: (state, why) => {
      remoteState = { state, why }
      status.textContent = `Remote avatar: ${state}${why ? ` — ${why}; the local face draws` : ''}`
    },
    onFirstFrame: (at) => (firstFrameAt = at),
    onAudioDelay: (ms) => {
      audioDelayMs = ms
      playback?.setAudioDelay(ms)
    },
  })
  const s = await face.ready
  status.textContent = `${s.name}: drawn with ${s.renderer}${s.why ? ` — ${s.why}` : ''}`
  expressions = s.expressions
  expressionButtons.replaceChildren(
    ...expressions.map((e) => {
      const b = document.createElement('button')
      b.textContent = e
      b.onclick = () => void face?.setExpression(e, 1)
      return b
    }),
  )
  if (stillBox.checked) await face.setStill(true)
  if (options.remote) await face.setRemote({ url: relaySocketUrl(`/api/v1/avatar/${options.remote}`), protocols: ['parley'], maxDelayMs: options.maxDelayMs })
  return s
}

/** A playback wired to the face the way the app wires it: sentences and clock go to the worker. */
function player(): Playback {
  playback ??= new Playback({
    scheduled: (spoken, startMs) => face?.speech(startMs, { phonemes: spoken.phonemes?.length ? spoken.phonemes : undefined, samples: spoken.samples, sampleRate: spoken.sampleRate }),
    clock: (c) => face?.clock(c),
    lastSentence: () => face?.speechEnd(),
    ended: () => onEnded?.(),
    audible: (at) => (audibleAt = performance.timeOrigin + at),
  })
  playback.setAudioDelay(audioDelayMs)
  return playback
}

/** Plays samples as one reply; resolves when it has been heard to the end. */
async function play(samples: Float32Array, sampleRate: number, phonemes?: PhonemeTiming[]) {
  const p = player()
  await p.unlock()
  p.reset()
  const done = new Promise<void>((resolve) => (onEnded = resolve))
  face?.flush()
  firstFrameAt = audibleAt = undefined
  replyStartAt = performance.timeOrigin + performance.now()
  p.enqueue({ text: 'lab', samples, sampleRate, phonemes })
  p.finish()
  await done
}

const lab = {
  start,
  setMood: (mood: Mood) => face?.setMood(mood),
  /** Eases into an expression (resolves once the worker has it; rejects for one the bundle does not declare). */
  setExpression: (expression: Expression, intensity = 1) => face!.setExpression(expression, intensity),
  /** What the bundle shown can express. */
  expressions: () => expressions,
  /** Idle life held still: frames differ only by what is asked. */
  still: (on: boolean) => face!.setStill(on),
  /** Lip-sync from phoneme timings, `startMs` into the reply. */
  speech: (startMs: number, phonemes: PhonemeTiming[]) => face?.speech(startMs, { phonemes }),
  speechAudio: (startMs: number, samples: Float32Array, sampleRate: number) => face?.speech(startMs, { samples, sampleRate }),
  clock: (audioMs: number, playing = false) => face?.clock({ at: performance.timeOrigin + performance.now(), audioMs, playing }),
  flush: () => face?.flush(),
  snapshot: () => face!.snapshot(),
  stats: () => face!.stats(),
  loseDevice: () => face!.loseDevice(),
  play,
  /** The playback's own clock right now (ms into the reply), to compare with the face's. */
  playbackMs: () => (playback ? playback.clockNow() : null),
  renderer: () => host.dataset.renderer,
  remoteState: () => remoteState,
  firstFrameAt: () => firstFrameAt,
  /** The last reply: handed to playback, first heard, its first remote frame drawn (epoch ms), and the voice's delay. */
  lastReply: () => ({ startAt: replyStartAt, audibleAt, firstFrameAt, audioDelayMs }),
  /** Which canvas is visible. */
  visibleCanvas: () => [...host.querySelectorAll('canvas')].find((c) => (c as HTMLElement).style.visibility === 'visible')?.dataset.renderer,
}
Object.assign(window, { parleyLab: lab })

void fetch('/avatars/index.json')
  .then((r) => r.json() as Promise<{ avatars: { id: string; name: string }[] }>)
  .then(({ avatars }) => {
    for (const a of avatars) avatarSelect.append(new Option(a.name, a.id))
    avatarSelect.onchange = rendererSelect.onchange = () => void start()
    document.body.dataset.ready = 'true'
    if (!new URLSearchParams(location.search).has('manual')) void start()
  })
for (const b of document.querySelectorAll<HTMLButtonElement>('[data-mood]')) b.onclick = () => face?.setMood(b.dataset.mood as Mood)
stillBox.onchange = () => void face?.setStill(stillBox.checked)
const espeak = createEspeakSynthesizer()
document.getElementById('say')!.onclick = async () => {
  face?.setMood('speaking')
  const { samples, sampleRate } = await espeak.synthesize((document.getElementById('text') as HTMLInputElement).value, {})
  await play(samples, sampleRate)
  face?.setMood('idle')
}
