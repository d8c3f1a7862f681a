import type { SessionSnapshot } from '../session/voice-session.ts'

/** The stage's placement line: who answers and which voice says it (the stage adds the face). */
export function stageLine(s: Pick<SessionSnapshot, 'placements' | 'progress' | 'loaded'>): string {
  const { agent } = s.placements
  // A Realtime model hears, answers and speaks: one line says all three.
  if (agent.engine === 'realtime') return `Answers: ${agent.label} · via relay · its own voice`
  const answers = agent.placement === 'relay' ? `Answers: ${agent.label} via relay` : agent.placement === 'offline' ? 'Answers: in this page' : `Answers: ${agent.label}${loading(s.progress.agent)}`
  return `${answers} · ${voiceLabel(s)}`
}

/** " · loading 40%" while a stage's model downloads, else nothing. */
function loading(files: SessionSnapshot['progress']['tts']): string {
  if (!files.length || files.every((f) => f.done)) return ''
  const fraction = files.reduce((n, f) => n + f.loaded, 0) / Math.max(1, files.reduce((n, f) => n + f.total, 0))
  return ` · loading ${Math.round(fraction * 100)}%`
}

/** "voice: Kokoro · WebGPU · on device (WebGPU failed: WASM) · loading 40%", or "voice off". */
export function voiceLabel({ placements: { tts }, progress, loaded }: Pick<SessionSnapshot, 'placements' | 'progress' | 'loaded'>): string {
  if (!tts.placement) return 'voice off'
  if (loaded.tts === 'fallback') return `voice: eSpeak NG · on device (${tts.label.split(' · ')[0]} could not load)`
  const files = progress.tts
  const loading = files.length > 0 && files.some((f) => !f.done)
  const fraction = loading ? files.reduce((n, f) => n + f.loaded, 0) / Math.max(1, files.reduce((n, f) => n + f.total, 0)) : null
  const fellBack = tts.placement === 'local-webgpu' && loaded.tts === 'wasm' ? ' (WebGPU failed: WASM)' : ''
  return `voice: ${tts.label}${fellBack}${fraction !== null ? ` · loading ${Math.round(fraction * 100)}%` : ''}`
}
