// The session lab (/lab/session.html): the voice session driven without React — for developers
// who add a stage, and for the browser tests (`window.parleySessionLab`), which check the order of
// the stream events and that every stage honours a turn's abort.
import { defaultSettings, type Settings } from '../session/settings.ts'
import type { StreamKind, StreamMap } from '../session/streams.ts'
import { VoiceSession } from '../session/voice-session.ts'
import { startStreamCounter } from './stream-counter.ts'

interface Seen {
  kind: StreamKind
  at: number
  turnId?: string
  detail?: string
}

const list = document.getElementById('events')!
let session: VoiceSession | undefined
let seen: Seen[] = []

/** What a datum says, briefly: its turn, and the one field that tells events of a kind apart. */
function summary(kind: StreamKind, d: StreamMap[StreamKind]): Seen {
  const o = d as Record<string, unknown>
  const detail = o.cause ?? o.stage ?? o.phase ?? (kind === 'human.text' ? o.text : undefined) ?? (kind === 'avatar.text' ? o.delta : undefined)
  return { kind, at: performance.now(), turnId: typeof o.turnId === 'string' ? o.turnId : undefined, detail: detail === undefined ? undefined : String(detail) }
}

function create(patch: Partial<Settings> = {}) {
  session?.dispose()
  seen = []
  list.replaceChildren()
  session = new VoiceSession({ ...defaultSettings, ...patch })
  session.bus.onAny((kind, d) => {
    if (kind === 'avatar.clock' || kind === 'avatar.video') return
    const s = summary(kind, d)
    seen.push(s)
    const li = document.createElement('li')
    li.textContent = `${Math.round(s.at)} ${kind}${s.detail ? ` · ${s.detail}` : ''}`
    list.append(li)
  })
  session.mountFace(document.getElementById('face')!)
  return { placements: session.getSnapshot().placements }
}

const current = () => {
  if (!session) throw new Error('call create() first')
  return session
}

/** Resolves when the snapshot satisfies `test` (the placements are known, a turn is over…). */
function until(test: (s: ReturnType<VoiceSession['getSnapshot']>) => boolean, timeoutMs = 20_000): Promise<void> {
  const s = current()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('timed out'))), timeoutMs)
    const check = () => test(s.getSnapshot()) && (clearTimeout(timer), off(), resolve())
    const off = s.subscribe(check)
    check()
  })
}

Object.assign(window, {
  parleySessionLab: {
    create,
    /** A stage added from outside: it only subscribes to stream kinds (nothing else is edited). */
    counter: () => startStreamCounter(current().bus),
    ready: () => until((s) => s.placements.agent.placement !== null && s.placements.tts.placement !== null && s.face.status !== undefined),
    send: (text: string) => current().send(text),
    stop: () => current().stop(),
    listen: () => current().startListening(),
    idle: () => until((s) => s.phase === 'listening' && !s.conversation.replyingTo, 60_000),
    phase: () => current().getSnapshot().phase,
    events: () => seen,
    messages: () => current().getSnapshot().conversation.messages,
    log: () => current().exportLog(),
    /** The face worker's counters (remote frames drawn, the voice's delay…). */
    faceStats: () => current().face.avatar?.stats(),
    faceState: () => current().getSnapshot().face,
    snapshot: () => current().getSnapshot(),
    /** Adds documents (name and text) and resolves once every one is kept or refused. */
    addDocuments: async (files: { name: string; text: string }[]) => {
      current().documents.add(files.map((f) => new File([f.text], f.name, { type: f.name.endsWith('.md') ? 'text/markdown' : 'text/plain' })))
      await until((s) => s.documents.jobs.length > 0 && s.documents.jobs.every((j) => j.stage === 'kept' || j.stage === 'failed'), 60_000)
      return current().getSnapshot().documents
    },
  },
})

document.getElementById('send')!.onclick = () => current().send((document.getElementById('text') as HTMLInputElement).value)
document.getElementById('stop')!.onclick = () => current().stop()
document.getElementById('listen')!.onclick = () => void current().startListening()
if (!new URLSearchParams(location.search).has('manual')) document.body.dataset.ready = 'true'
else create()
