import type { Emitter } from '../lib/emitter.ts'
import type { StreamMap } from './streams.ts'
import type { TurnLog } from './turn-log.ts'

/**
 * Keeps the session log (DESIGN §7) by listening to the streams, like any other tap: speech marks
 * before the turn exists, the turn's own marks by its id, and how it ended.
 */
export function recordTurns(bus: Emitter<StreamMap>, log: TurnLog, changed: () => void): () => void {
  const firstToken = new Set<string>()
  const offs = [
    bus.on('speech.started', (e) => log.mark('speechStart', e.at)),
    bus.on('speech.ended', (e) => log.mark('speechEnd', e.at)),
    // The segment's audio says where the speech stopped: that long before the VAD ended it (ms of audio).
    bus.on('human.audio', (a) => log.mark('speechStop', a.at - Math.max(0, a.detectedMs - a.endMs))),
    bus.on('human.text', (e) => e.final && e.source === 'speech' && log.mark('asrFinal', e.at)),
    // Speech that led to no turn: its marks must not land on the next one.
    bus.on('speech.misfire', () => log.forgetSpeech()),
    bus.on('speech.no-words', () => log.forgetSpeech()),
    bus.on('speech.off', () => log.forgetSpeech()),
    bus.on('turn.started', (t) => {
      log.begin(t.userId, t.text, t.source === 'speech', t.at, { turnId: t.turnId, assistantId: t.assistantId })
      changed()
    }),
    bus.on('avatar.text', (d) => {
      if (firstToken.has(d.turnId)) return
      firstToken.add(d.turnId)
      log.markTurn(d.turnId, 'llmFirstToken', performance.now())
      changed()
    }),
    bus.on('agent.tool', (e) => {
      if (e.phase !== 'done') return
      log.tool(e.turnId, { name: e.call.name, arguments: e.call.arguments, result: e.outcome.result, ok: e.outcome.ok, at: e.startedAt, ms: Math.round(e.at - e.startedAt) })
      changed()
    }),
    bus.on('agent.stats', (e) => {
      log.generation(e.turnId, e.stats)
      changed()
    }),
    bus.on('agent.sources', (e) => {
      log.retrieval(e.turnId, { via: e.via, ms: Math.round(e.ms), vector: e.vector, sources: e.sources.map((s) => ({ n: s.n, label: s.label, chunkId: s.chunkId })) })
      changed()
    }),
    bus.on('turn.mark', (m) => {
      log.markTurn(m.turnId, m.stage, m.at)
      if (m.stage === 'playbackStart' || m.stage === 'playbackEnd' || m.stage === 'firstFrame') changed()
    }),
    bus.on('turn.interrupted', (e) => {
      log.interrupted(e.turnId, e.cause, e.heard ?? '', e.heardMs ?? undefined)
      changed()
    }),
    bus.on('turn.done', () => changed()),
  ]
  return () => {
    for (const off of offs) off()
  }
}
