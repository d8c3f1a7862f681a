import { KOKORO_VOICES } from '../../engines/tts/kokoro/protocol.ts'
import type { Notes } from '../notes.ts'
import type { Placements } from '../placement.ts'
import type { Settings } from '../settings.ts'
import { documentTool, type DocumentSearch } from './document-tool.ts'
import { expressionTool, type ExpressiveFace } from './expression-tool.ts'
import { memoryTools } from './memory-tools.ts'
import { timeTool } from './time-tool.ts'
import type { Tool } from './tool.ts'
import { voiceTools, type VoiceControl } from './voice-tools.ts'

export interface AssistantContext {
  settings: Settings
  tts: Placements['tts']
  /** The relay's voices, when it speaks the answers. */
  relayVoices: readonly string[]
  /** The face, while it is on screen. */
  face: ExpressiveFace | null
  notes: Notes
  /** The user's documents, when they added any. */
  documents: DocumentSearch | null
  /** A change of the user's settings, made as Settings would. */
  change(patch: Partial<Settings>): void
}

/** The built-in tools a turn offers: the face's expression (when it is on screen), the time, notes, and the voice (when one speaks). */
export function builtInTools(c: AssistantContext): Tool[] {
  const voice = voiceControl(c)
  return [...(c.face ? [expressionTool(c.face)] : []), timeTool(), ...memoryTools(c.notes), ...(c.documents ? [documentTool(c.documents)] : []), ...(voice ? voiceTools(voice) : [])]
}

/** The voice as the assistant may change it: the engine speaking now and its voices (none for a model that speaks for itself). */
function voiceControl({ settings: s, tts, relayVoices, change }: AssistantContext): VoiceControl | null {
  const rate = (r: number | undefined) => (r === undefined ? {} : { speakingRate: r })
  if (tts.placement === null || tts.engine === 'realtime') return null
  if (tts.engine === 'kokoro') return { engine: 'Kokoro', voices: KOKORO_VOICES, voice: s.kokoroVoice, rate: s.speakingRate, change: (p) => change({ ...(p.voice && { kokoroVoice: p.voice }), ...rate(p.rate) }) }
  if (tts.placement === 'relay') return { engine: "the relay's voice service", voices: relayVoices.map((id) => ({ id })), voice: s.ttsVoice, rate: s.speakingRate, change: (p) => change({ ...(p.voice && { ttsVoice: p.voice }), ...rate(p.rate) }) }
  return { engine: 'eSpeak NG', voices: [], voice: null, rate: s.speakingRate, change: (p) => change(rate(p.rate)) }
}
