import { useEffect, useMemo, useRef, useState } from 'react'
import manifest from '../../models/manifest.json'
import { createOfflineAgent } from '../engines/agent/offline-agent.ts'
import { createRelayAgent } from '../engines/agent/relay-agent.ts'
import { espeakAvailable } from '../engines/tts/espeak-synthesizer.ts'
import { AvatarStage, type StageMood } from '../features/avatar/AvatarStage.tsx'
import { ConversationPanel } from '../features/conversation/ConversationPanel.tsx'
import { useConversation } from '../features/conversation/use-conversation.ts'
import { LatencyWaterfall } from '../features/metrics/LatencyWaterfall.tsx'
import { buildSessionExport, downloadJson } from '../features/metrics/session-export.ts'
import { SessionSummary } from '../features/metrics/SessionSummary.tsx'
import { SettingsPanel } from '../features/settings/SettingsPanel.tsx'
import { useSettings } from '../features/settings/use-settings.ts'
import { useVoiceInput } from '../features/voice/use-voice-input.ts'
import { VoiceControls } from '../features/voice/VoiceControls.tsx'
import { AppError } from '../lib/errors.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { resolveAsrPlacement, type Resolved } from '../session/placement.ts'
import { TurnLog, type Stage } from '../session/turn-log.ts'
import { useDeviceCapabilities } from './device.ts'
import { useCapabilities } from './use-capabilities.ts'
import { useRecognizer, useSelfHostedModel } from './use-recognizer.ts'
import { useSpokenReplies } from './use-spoken-replies.ts'
import { useSynthesizer } from './use-synthesizer.ts'
import { useTurns } from './use-turns.ts'
import { useAvatars } from './use-avatars.ts'
import { useRemoteAvatars } from './use-remote-avatars.ts'
import { relaySocketUrl } from '../lib/relay-url.ts'
import type { AvatarClient } from '../engines/avatar/client.ts'

const isModelError = (err: unknown) => err instanceof AppError && err.code.startsWith('model_')

const SPEECH_MODELS = manifest.models.filter((m) => m.task === 'automatic-speech-recognition').map((m) => ({ id: m.id, name: m.name }))

const ASSISTANT_NAME = 'Parley'

export function App() {
  const [settings, updateSettings] = useSettings()
  const [capabilities, reloadCapabilities] = useCapabilities()
  const [settingsOpen, setSettingsOpen] = useState(false)
  const [noticeDismissed, setNoticeDismissed] = useState(false)

  const llm = capabilities.status === 'ready' ? capabilities.capabilities.llm : undefined
  const model = llm?.available ? (settings.model && llm.models.includes(settings.model) ? settings.model : llm.default) : null
  const agent = useMemo(
    () => (model ? createRelayAgent({ model, token: settings.accessToken || undefined }) : createOfflineAgent()),
    [model, settings.accessToken],
  )
  const tts = capabilities.status === 'ready' ? capabilities.capabilities.tts : undefined
  const token = settings.accessToken || undefined
  const device = useDeviceCapabilities()
  const kokoroHosted = useSelfHostedModel(settings.voiceEngine === 'kokoro' ? settings.kokoroModel : null)
  const voiceOut = useSynthesizer({
    settings,
    relayVoice: capabilities.status === 'loading' ? null : Boolean(tts?.available),
    token,
    webgpu: device?.webgpu ?? false,
    kokoroHosted,
  })
  const synth = voiceOut.synth
  // Per-turn timestamps for the waterfall and the exported log; a render when a turn changes.
  const log = useRef(new TurnLog()).current
  const [, setLogVersion] = useState(0)
  const mark = (stage: Stage, at?: number) => {
    log.mark(stage, at)
    if (stage === 'playbackStart' || stage === 'playbackEnd' || stage === 'llmFirstToken') setLogVersion((v) => v + 1)
  }
  // Turn-taking ties the voice in, the answer and the voice out together (full duplex, barge-in).
  const turns = useTurns({
    send: (text, spoken) => {
      const id = conversation.send(text, spoken)
      if (id) log.begin(id, text.trim(), Boolean(spoken))
      setLogVersion((v) => v + 1)
    },
    pause: () => speech.pause(),
    resume: () => speech.resume(),
    cancel: () => speech.cancel(),
    interrupt: (heard) => {
      conversation.interrupt(heard)
      const turn = log.turns.at(-1)
      if (turn?.assistantId) log.answer(turn.assistantId, heard, true)
    },
    stop: () => conversation.stop(),
  })
  const face = useRef<AvatarClient | null>(null)
  const avatars = useAvatars()
  const remoteAvatars = useRemoteAvatars(capabilities.status === 'ready' ? capabilities.capabilities.avatar.models.length : 0, token)
  const remoteChoice = remoteAvatars.find((m) => m.id === settings.remoteAvatar && m.connected)
  const remote = useMemo(
    () => (remoteChoice ? { id: remoteChoice.id, url: relaySocketUrl(`/api/v1/avatar/${remoteChoice.id}`), protocols: ['parley', ...(token ? [`parley-token.${token}`] : [])] } : null),
    [remoteChoice?.id, token],
  )
  const speech = useSpokenReplies(synth, {
    audible: (at) => {
      mark('playbackStart', at)
      turns.dispatch({ type: 'reply-audible' })
    },
    done: () => turns.dispatch({ type: 'reply-done' }),
    mark: (stage, id) => {
      if (stage === 'llmFirstToken') log.answer(id, '', false)
      mark(stage)
    },
    // The face follows the voice: phoneme timings where the voice gives them, else its sound.
    // (The sound goes too: a remote avatar animates from it, and the local face when there are no timings.)
    scheduled: (spoken, startMs) => face.current?.speech(startMs, { phonemes: spoken.phonemes?.length ? spoken.phonemes : undefined, samples: spoken.samples, sampleRate: spoken.sampleRate }),
    lastSentence: () => face.current?.speechEnd(),
    clock: (clock) => {
      // A reply starting or cancelled: what the face was about to say goes.
      if (!clock.playing && clock.audioMs === 0) face.current?.flush()
      face.current?.clock(clock)
    },
  }, settings.volume)
  const conversation = useConversation(agent, settings.persona, speech.observer)

  const relayAsr = capabilities.status === 'ready' && capabilities.capabilities.asr.available
  const hosted = useSelfHostedModel(settings.asrModel)
  const allowRemote = settings.allowRemoteModels ?? hosted === false
  // Until we know whether the server hosts the model, nothing is chosen: audio must not go to the
  // relay for the moment it takes to find out that it could have stayed on the device.
  const asr: Resolved =
    (hosted === undefined || device === undefined) && settings.asrPlacement !== 'relay'
      ? { placement: null, reason: 'checking for a speech model…' }
      : resolveAsrPlacement({
          device: settings.modelDevice === 'wasm' || !device ? { webgpu: false, shaderF16: false } : device,
          localModel: hosted === true || allowRemote,
          relay: relayAsr,
          choice: settings.asrPlacement,
        })
  const [asrCrash, setAsrCrash] = useState<unknown>(null)
  const { recognizer, progress, loaded: asrLoaded } = useRecognizer(asr, {
    modelId: settings.asrModel,
    allowRemote,
    token: settings.accessToken || undefined,
    shaderF16: device?.shaderF16 ?? false,
    onCrash: setAsrCrash,
  })
  const voice = useVoiceInput(
    recognizer,
    { deviceId: settings.microphoneId, pushToTalk: settings.pushToTalk, endOfSpeechMs: settings.endOfSpeechMs },
    (heard) => {
      log.mark('asrFinal', heard.transcribedAt)
      turns.dispatch({ type: 'transcript', text: heard.text }, { startMs: heard.startMs, endMs: heard.endMs })
    },
    (activity) => {
      if (activity === 'speech-start') log.mark('speechStart')
      else if (activity === 'speech-end') log.mark('speechEnd')
      else log.forgetSpeech()
      if (activity === 'no-words') turns.dispatch({ type: 'transcript', text: '' })
      else if (activity === 'off') turns.dispatch({ type: 'voice-off' })
      else turns.dispatch({ type: activity })
      // The avatar's voice ducks while the user speaks.
      if (activity === 'speech-start') speech.duck(true)
      else speech.duck(false)
    },
  )

  const replying = conversation.messages.find((m) => m.id === conversation.replyingTo)
  const mood: StageMood = turns.phase === 'speaking' || replying?.text
    ? 'answering'
    : turns.phase === 'thinking' || replying
      ? 'thinking'
      : voice.status === 'hearing'
      ? 'hearing'
      : voice.status === 'off'
        ? 'ready'
        : 'listening'

  const notice =
    capabilities.status === 'unreachable' && !noticeDismissed
      ? { error: capabilities.error, retry: () => reloadCapabilities() }
      : undefined

  return (
    <div className="app" data-turn={turns.phase}>
      <header className="topbar">
        <div className="brand">
          <svg className="brand__mark" viewBox="0 0 32 32" aria-hidden>
            <circle cx="16" cy="16" r="14" />
            <path d="M10 13c0-2 2-4 6-4s6 2 6 4-2 4-6 4h-2l-4 4v-4.5c-.6-.7-1-1.8-1-3.5z" />
          </svg>
          <span className="brand__name">Parley</span>
        </div>
        <div className={`badge badge--${agent.kind}`} data-testid="agent-badge" title={agent.kind === 'offline' ? 'No language model is connected: a built-in guide answers, inside this page.' : 'Answers come from this model, through the relay.'}>
          <span className="badge__dot" />
          {agent.kind === 'offline' ? 'Offline guide · no LLM connected' : `LLM · ${agent.label}`}
        </div>
        <nav className="topbar__actions">
          <button
            type="button"
            className="ghost-button"
            onClick={() => {
              turns.dispatch({ type: 'stop' })
              conversation.clear()
              log.clear()
            }}
            disabled={!conversation.messages.length}
          >
            New conversation
          </button>
          <button type="button" className="ghost-button" data-testid="open-settings" onClick={() => setSettingsOpen(true)}>
            Settings
          </button>
        </nav>
      </header>

      <main className="layout">
        <AvatarStage
          name={ASSISTANT_NAME}
          mood={mood}
          voiceLevel={speech.outputLevel}
          avatarUrl={`/avatars/${avatars.some((a) => a.id === settings.avatar) || !avatars.length ? settings.avatar : avatars[0]!.id}/`}
          onClient={(c) => (face.current = c)}
          remote={remote}
          onFirstFrame={(at) => mark('firstFrame', at)}
          placement={`${agent.kind === 'offline' ? 'Answers: in this page' : `Answers: ${agent.label} via relay`} · ${voiceOut.label}`}
        />
        <ConversationPanel
          onSend={(text) => {
            speech.unlock()
            turns.dispatch({ type: 'typed', text })
          }}
          onStop={() => turns.dispatch({ type: 'stop' })}
          belowMessage={(m) => {
            const turn = m.role === 'assistant' ? log.turns.find((t) => t.assistantId === m.id) : undefined
            return turn && m.status !== 'streaming' ? <LatencyWaterfall turn={turn} /> : null
          }}
          footer={
            log.turns.length ? (
              <SessionSummary
                turns={log.turns}
                onExport={() =>
                  downloadJson(
                    `parley-session-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`,
                    buildSessionExport(
                      log.turns,
                      { persona: settings.persona, model: model ?? 'offline guide', voice: settings.ttsVoice, endOfSpeechMs: settings.endOfSpeechMs, pushToTalk: settings.pushToTalk },
                      { vad: 'local-wasm', asr: asr.placement ?? `unavailable: ${asr.reason}`, llm: model ? 'relay' : 'local (offline guide)', tts: synth?.placement ?? 'off', avatar: 'none yet' },
                      (id) => conversation.messages.find((x) => x.id === id)?.text,
                    ),
                  )
                }
              />
            ) : null
          }
          conversation={conversation}
          agent={agent}
          assistantName={ASSISTANT_NAME}
          notice={notice}
          onDismissNotice={() => setNoticeDismissed(true)}
          ready={capabilities.status !== 'loading'}
          voice={
            <>
              {voice.error ? (
                <ErrorBanner
                  error={voice.error}
                  onDismiss={voice.dismissError}
                  action={
                    relayAsr && settings.asrPlacement !== 'relay' && isModelError(voice.error)
                      ? { label: 'Use the relay’s speech recognition instead', run: () => (voice.dismissError(), updateSettings({ asrPlacement: 'relay' })) }
                      : undefined
                  }
                />
              ) : null}
              {asrCrash ? <ErrorBanner error={asrCrash} onDismiss={() => setAsrCrash(null)} /> : null}
              {speech.error ? <ErrorBanner error={speech.error} onDismiss={speech.dismissError} /> : null}
              <VoiceControls
                status={voice.status}
                level={voice.level}
                muted={voice.muted}
                pushToTalk={settings.pushToTalk}
                placement={{
                  available: asr.placement !== null,
                  reason: asr.placement === 'local-webgpu' && asrLoaded?.device === 'wasm' ? 'on device · WASM (WebGPU failed)' : asr.reason,
                }}
                partial={voice.partial}
                progress={progress}
                onStart={() => {
                  speech.unlock()
                  void voice.start()
                }}
                onStop={() => void voice.stop()}
                onMute={voice.setMuted}
              />
            </>
          }
        />
      </main>

      <SettingsPanel
        open={settingsOpen}
        onClose={() => setSettingsOpen(false)}
        settings={settings}
        onChange={updateSettings}
        models={llm?.models ?? []}
        defaultModel={llm?.default ?? null}
        tokenRequired={capabilities.status === 'ready' && capabilities.capabilities.auth.required}
        microphones={voice.microphones}
        voices={tts?.voices ?? []}
        speechModels={SPEECH_MODELS}
        speechModelHosted={hosted}
        onDeviceVoices={espeakAvailable}
        avatars={avatars}
        remoteAvatars={remoteAvatars}
        kokoroHosted={kokoroHosted}
      />
    </div>
  )
}
