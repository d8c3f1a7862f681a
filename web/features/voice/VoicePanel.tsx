import { AppError } from '../../lib/errors.ts'
import type { Settings } from '../../session/settings.ts'
import type { SessionSnapshot, VoiceSession } from '../../session/voice-session.ts'
import { ErrorBanner } from '../../ui/ErrorBanner.tsx'
import { VoiceControls } from './VoiceControls.tsx'

/** Where speech is recognised, as the badge says it (with the WebGPU → WASM fallback once known). */
function recognitionLabel({ placements: { asr }, loaded }: SessionSnapshot): { available: boolean; reason: string } {
  return { available: asr.placement !== null, reason: asr.placement === 'local-webgpu' && loaded.asr === 'wasm' ? 'on device · WASM (WebGPU failed)' : asr.reason }
}

const isModelError = (err: unknown) => err instanceof AppError && err.code.startsWith('model_')

interface Props {
  snapshot: SessionSnapshot
  session: VoiceSession
  /** The relay can recognise speech, and the user has not already chosen it. */
  relayAsr: boolean
  asrChoice: Settings['asrPlacement']
  onUseRelayAsr(): void
  pushToTalk: boolean
}

/** The voice controls, with the problems the session's stages reported above them. */
export function VoicePanel({ snapshot: s, session, relayAsr, asrChoice, onUseRelayAsr, pushToTalk }: Props) {
  return (
    <>
      {s.errors.map((e) => (
        <ErrorBanner
          key={e.id}
          error={e.error}
          onDismiss={() => session.dismissError(e.id)}
          action={
            e.stage === 'asr' && relayAsr && asrChoice !== 'relay' && isModelError(e.error)
              ? { label: 'Use the relay’s speech recognition instead', run: () => (session.dismissError(e.id), onUseRelayAsr()) }
              : undefined
          }
        />
      ))}
      <VoiceControls
        status={s.voice.status}
        level={session.voice.level}
        muted={s.voice.muted}
        pushToTalk={pushToTalk}
        placement={recognitionLabel(s)}
        detection={s.placements.vad}
        partial={s.voice.partial}
        progress={s.progress.asr}
        onStart={() => void session.startListening()}
        onStop={() => void session.stopListening()}
        onMute={session.setMuted}
        onPress={session.pushToTalk}
      />
    </>
  )
}
