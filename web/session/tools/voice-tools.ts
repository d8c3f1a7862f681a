import { refused, schema, type Tool } from './tool.ts'

/** The voice as a tool may change it: the current engine's voices, and a change asked of the user's settings. */
export interface VoiceControl {
  /** Which engine speaks: "eSpeak NG", "Kokoro", "the relay's voice service". */
  engine: string
  voices: readonly { id: string; name?: string }[]
  voice: string | null
  rate: number
  change(patch: { voice?: string; rate?: number }): void
}

export const MIN_RATE = 0.5
export const MAX_RATE = 2

/**
 * `set_voice` (offered only when the engine has voices to choose from) and `set_speaking_rate`:
 * they change the user's settings, as the Settings panel would, from the next sentence on.
 */
export function voiceTools(voice: VoiceControl): Tool[] {
  const tools: Tool[] = [
    {
      definition: {
        name: 'set_speaking_rate',
        description: `How fast your voice speaks: 1 is normal, ${MIN_RATE} half as fast, ${MAX_RATE} twice as fast. Use it when the user asks you to speak slower or faster.`,
        parameters: schema({ rate: { type: 'number', minimum: MIN_RATE, maximum: MAX_RATE } }, ['rate']),
      },
      async run({ rate }) {
        if (typeof rate !== 'number' || !Number.isFinite(rate)) return refused('speaking rate: ?', `rate must be a number from ${MIN_RATE} to ${MAX_RATE}`)
        const r = Math.round(Math.min(MAX_RATE, Math.max(MIN_RATE, rate)) * 100) / 100
        voice.change({ rate: r })
        return { result: { rate: r }, chip: `speaking rate: ${r}×`, ok: true }
      },
    },
  ]
  if (voice.voices.length > 1)
    tools.push({
      definition: {
        name: 'set_voice',
        description: `Change the voice you speak with (${voice.engine}; now ${voice.voice ?? 'the default'}), when the user asks for another.`,
        parameters: schema({ voice: { type: 'string', enum: voice.voices.map((v) => v.id), description: voice.voices.map((v) => (v.name ? `${v.id}: ${v.name}` : v.id)).join('; ').slice(0, 1500) } }, ['voice']),
      },
      async run({ voice: id }) {
        const chosen = voice.voices.find((v) => v.id === id)
        if (!chosen) return refused('voice: ?', `voice must be one of ${voice.voices.map((v) => v.id).join(', ')}`)
        voice.change({ voice: chosen.id })
        return { result: { voice: chosen.id }, chip: `voice: ${chosen.name ?? chosen.id}`, ok: true }
      },
    })
  return tools
}
