import { useEffect, useRef, useState } from 'react'
import { AppError } from '../../lib/errors.ts'
import type { Settings } from '../../session/settings.ts'
import type { SessionSnapshot, VoiceSession } from '../../session/voice-session.ts'
import { ErrorBanner } from '../../ui/ErrorBanner.tsx'
import { ModelChoice } from './ModelChoice.tsx'
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
  /** The chosen on-device speech model, as the manifest describes it. */
  speechModel: { id: string; name: string; paramsMillions?: number }
  /** The user agreed to download the speech model from the hub: allow it, and start listening. */
  onDownloadModel(): void
  pushToTalk: boolean
}

/** The voice controls, with the problems the session's stages reported above them. */
export function VoicePanel({ snapshot: s, session, relayAsr, asrChoice, onUseRelayAsr, speechModel, onDownloadModel, pushToTalk }: Props) {
  const [notNow, setNotNow] = useState(false)
  // Focus follows the user's tap from "Not now" to "Set up voice" and back (the tapped button is gone).
  const [tapped, setTapped] = useState(false)
  const setUp = useRef<HTMLButtonElement>(null)
  const card = useRef<HTMLElement>(null)
  useEffect(() => {
    if (tapped) (notNow ? setUp.current : card.current)?.focus()
  }, [notNow, tapped])
  const missing = s.placements.asr.missing === 'model'
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
      {missing && !notNow && (
        <ModelChoice
          modelId={speechModel.id}
          modelName={speechModel.name}
          paramsMillions={speechModel.paramsMillions}
          weights={s.modelWeights}
          relayAsr={relayAsr}
          onDownload={onDownloadModel}
          onUseRelay={onUseRelayAsr}
          onDismiss={() => (setTapped(true), setNotNow(true))}
          focusRef={card}
        />
      )}
      {missing && notNow && (
        <button ref={setUp} type="button" className="link-button voice__setup" data-testid="set-up-voice" onClick={() => (setTapped(true), setNotNow(false))}>
          Set up voice — it needs a speech model
        </button>
      )}
      <VoiceControls
        status={s.voice.status}
        level={session.voice.level}
        muted={s.voice.muted}
        pushToTalk={pushToTalk}
        placement={recognitionLabel(s)}
        detection={s.placements.vad}
        partial={s.voice.partial}
        held={s.voice.held}
        progress={s.progress.asr}
        onStart={() => void session.startListening()}
        onStop={() => void session.stopListening()}
        onMute={session.setMuted}
        onPress={session.pushToTalk}
      />
    </>
  )
}
