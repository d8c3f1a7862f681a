import { useEffect, useRef, type ReactNode } from 'react'
import { KOKORO_VOICES } from '../../engines/tts/kokoro/protocol.ts'
import { SMART_TURN_MODEL } from '../../engines/turn/protocol.ts'
import { DEFAULT_PERSONA, type Settings } from '../../session/settings.ts'

/** What each answer to "the avatar's voice comes from" does (the select's options are kept short for a phone). */
const AUDIO_OUTPUT_HELP: Record<Settings['audioOutput'], string> = {
  auto: 'Parley listens for its own voice coming back and learns how loud it is, so it never interrupts itself.',
  speakers: 'More caution against its own voice, which also goes through a loopback on this page so the browser\'s echo canceller can remove it (a few tens of ms later).',
  headphones: 'No echo to remove: your voice is heard at once, even over the avatar\'s.',
}

interface Props {
  open: boolean
  settings: Settings
  onChange(patch: Partial<Settings>): void
  onClose(): void
  /** Models the relay allows; empty when no LLM is connected. */
  models: readonly string[]
  defaultModel: string | null
  /** Speech-to-speech models the relay offers over the Realtime protocol; empty when none. */
  realtimeModels: readonly string[]
  defaultRealtimeModel: string | null
  tokenRequired: boolean
  microphones: readonly { deviceId: string; label: string }[]
  speechModels: readonly { id: string; name: string }[]
  /** Whether the chosen speech model is on this server (undefined while checking). */
  speechModelHosted: boolean | undefined
  /** Voices the relay offers for spoken answers; empty when it has none. */
  voices: readonly string[]
  /** Whether this build has the on-device voices (eSpeak NG, and Kokoro, whose phonemizer it is). */
  onDeviceVoices: boolean
  /** Whether the Kokoro model is on this server (undefined while checking). */
  kokoroHosted: boolean | undefined
  avatars: readonly { id: string; name: string; description: string; preview: string }[]
  /** Heavy avatar models on the relay, and whether each can be used now. */
  remoteAvatars: readonly { id: string; backend: string; connected: boolean; reason: string }[]
  /** The notes the assistant keeps about the user, and deleting them (one, or all). */
  notes: readonly { id: string; text: string; at: number }[]
  onForgetNotes(ids?: readonly string[]): void
  /** How many tools of the relay's operator (MCP servers) the assistant is offered. */
  operatorTools: number
  /** Whether a language model answers (the offline guide calls no tools). */
  modelAnswers: boolean
  /** The Documents section (its own feature, composed by the app). */
  documents?: ReactNode
  /** Opened to show one section (files were dropped on the page: Documents). */
  section?: 'documents'
  /** Where answers come from, as the session decided (the on-device model's reason, or what it lacks). */
  agent: { placement: string | null; reason: string; missing?: 'model' }
  /** The on-device language models of models/manifest.json. */
  llmModels: readonly { id: string; name: string }[]
  /** Downloads the on-device language model now (it is allowed from the hub, and loaded). */
  onDownloadLlm(): void
  /** The page is a private session: its brain is the device's, whatever is chosen here. */
  privateSession: boolean
  /** The Privacy section (private sessions; what is stored): its own feature, composed by the app. */
  privacy?: ReactNode
  /** What this browser stores (models, the app for offline use), with Delete: its own feature. */
  storage?: ReactNode
  /** Whether the turn model judges the end of a turn, and if not, why. */
  turnModel: { status: string; reason?: string }
  /** The relay's operator does not allow answers started ahead (PARLEY_PREEMPTIVE=off). */
  preemptiveOff: boolean
}

export function SettingsPanel({ open, settings, onChange, onClose, models, defaultModel, realtimeModels, defaultRealtimeModel, tokenRequired, microphones, speechModels, speechModelHosted, voices, onDeviceVoices, kokoroHosted, avatars, remoteAvatars, notes, onForgetNotes, operatorTools, modelAnswers, documents, section, agent, llmModels, onDownloadLlm, privateSession, privacy, storage, turnModel, preemptiveOff }: Props) {
  const first = useRef<HTMLTextAreaElement>(null)
  const panel = useRef<HTMLElement>(null)
  useEffect(() => {
    if (!open) return
    if (section) panel.current?.querySelector(`[data-testid="settings-${section}"]`)?.scrollIntoView({ block: 'start' })
    else first.current?.focus()
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose()
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [open, onClose, section])

  if (!open) return null
  const model = settings.model && models.includes(settings.model) ? settings.model : (defaultModel ?? '')
  const realtime = settings.brain === 'realtime' && realtimeModels.length > 0
  const onDevice = privateSession || settings.brain === 'device'
  const realtimeModel = settings.realtimeModel && realtimeModels.includes(settings.realtimeModel) ? settings.realtimeModel : (defaultRealtimeModel ?? realtimeModels[0] ?? '')
  return (
    <>
      <div className="scrim" onClick={onClose} />
      <aside ref={panel} className="settings" role="dialog" aria-modal="true" aria-labelledby="settings-title" data-testid="settings">
        <header className="settings__header">
          <h2 id="settings-title">Settings</h2>
          <button type="button" className="icon-button" onClick={onClose} aria-label="Close settings">
            ×
          </button>
        </header>
        <form className="settings__form" onSubmit={(e) => (e.preventDefault(), onClose())}>
        <fieldset className="field field--group" data-testid="settings-conversation">
          <legend className="field__label">Conversation</legend>
          <p className="field__help group__about">Who answers and how.</p>
          <label className="field">
            <span className="field__label">Persona</span>
            <span className="field__help">The instructions the assistant follows in every answer.</span>
            <textarea ref={first} rows={6} value={settings.persona} data-testid="persona" onChange={(e) => onChange({ persona: e.target.value })} />
            {settings.persona !== DEFAULT_PERSONA && (
              <button type="button" className="link-button" onClick={() => onChange({ persona: DEFAULT_PERSONA })}>
                Restore the default persona
              </button>
            )}
          </label>
          <label className="field">
            <span className="field__label">Answers are made by</span>
            <span className="field__help">
              {realtime
                ? 'One speech-to-speech model hears you and answers in its own voice (your audio goes to it through the relay). Parley still draws the face, keeps the conversation and lets you cut in.'
                : onDevice
                  ? 'A small language model in this browser: what you say and its answers never leave the device. It is less capable than a large model, and its first answer waits for its download (once).'
                  : 'Speech → text → a language model → a voice, each stage where Settings puts it.'}
            </span>
            <select
              value={realtime ? `realtime:${realtimeModel}` : onDevice ? 'device' : 'pipeline'}
              data-testid="brain"
              disabled={privateSession}
              onChange={(e) => {
                const v = e.target.value
                if (v === 'pipeline' || v === 'device') return onChange({ brain: v })
                const m = v.slice('realtime:'.length)
                onChange({ brain: 'realtime', realtimeModel: m === defaultRealtimeModel ? null : m })
              }}
            >
              <option value="pipeline">{models.length ? 'The relay’s language model, and a voice' : 'Offline guide and voice (no language model on the relay)'}</option>
              <option value="device">A language model on this device</option>
              {realtimeModels.map((m) => (
                <option key={m} value={`realtime:${m}`}>
                  Realtime · {m}
                  {m === defaultRealtimeModel ? ' (default)' : ''}
                </option>
              ))}
            </select>
          </label>
          {onDevice && (
            <label className="field" data-testid="settings-llm">
              <span className="field__label">On-device model</span>
              <span className="field__help" data-testid="llm-reason">
                {agent.reason}
              </span>
              <select value={settings.llmModel} data-testid="llm-model" onChange={(e) => onChange({ llmModel: e.target.value })}>
                <option value="auto">Chosen for this device</option>
                {llmModels.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
                {settings.llmModel !== 'auto' && !llmModels.some((m) => m.id === settings.llmModel) && <option value={settings.llmModel}>{settings.llmModel}</option>}
              </select>
              {agent.missing === 'model' && !privateSession && (
                <button type="button" className="ghost-button" data-testid="llm-download" onClick={onDownloadLlm}>
                  Allow downloading it from Hugging Face (it loads when you next talk or ask)
                </button>
              )}
            </label>
          )}
          {realtime && (
            <label className="field">
              <span className="field__label">Who decides you have finished</span>
              <span className="field__help">
                {settings.realtimeTurns === 'model'
                  ? 'The model listens as you speak and answers when it hears you stop; a cough can cut its answer short.'
                  : 'Parley hears you stop and then asks for the answer; a cough or a short noise only pauses it. (Some servers, such as OpenRealtime, transcribe only with their own detection.)'}
              </span>
              <select value={settings.realtimeTurns} data-testid="realtime-turns" onChange={(e) => onChange({ realtimeTurns: e.target.value as Settings['realtimeTurns'] })}>
                <option value="model">The model (its voice detection)</option>
                <option value="parley">Parley (its voice detection)</option>
              </select>
            </label>
          )}
          {!realtime && !onDevice && <label className="field">
            <span className="field__label">Model</span>
            {models.length ? (
              <>
                <span className="field__help">The models this relay allows.</span>
                <select value={model} data-testid="model" onChange={(e) => onChange({ model: e.target.value === defaultModel ? null : e.target.value })}>
                  {models.map((m) => (
                    <option key={m} value={m}>
                      {m}
                      {m === defaultModel ? ' (default)' : ''}
                    </option>
                  ))}
                </select>
              </>
            ) : (
              <span className="field__help">
                No language model is connected to the relay, so the offline guide answers. The operator connects one with LLM_BASE_URL and LLM_API_KEY.
              </span>
            )}
          </label>}
          <label className="check">
            <input type="checkbox" checked={settings.showTimings} data-testid="show-timings" onChange={(e) => onChange({ showTimings: e.target.checked })} />
            Show timings: each answer's latency, stage by stage, and the session's medians (for developers; Export works either way)
          </label>
        </fieldset>
        {privacy}
        <fieldset className="field field--group" data-testid="settings-voice">
          <legend className="field__label">Voice</legend>
          <p className="field__help group__about">Your microphone, and the voice that answers.</p>
          <label className="field">
            <span className="field__help">Microphone</span>
            <select value={settings.microphoneId ?? ''} data-testid="microphone" onChange={(e) => onChange({ microphoneId: e.target.value || null })}>
              <option value="">System default</option>
              {microphones.map((m) => (
                <option key={m.deviceId} value={m.deviceId}>
                  {m.label}
                </option>
              ))}
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={settings.speakAnswers} data-testid="speak-answers" onChange={(e) => onChange({ speakAnswers: e.target.checked })} />
            Say answers aloud {voices.length ? '' : '(with the on-device voice: the relay has none configured)'}
          </label>
          <label className="field">
            <span className="field__help">
              Volume <strong>{Math.round(settings.volume * 100)}%</strong>
            </span>
            <input type="range" min={0} max={1} step={0.05} value={settings.volume} data-testid="volume" onChange={(e) => onChange({ volume: Number(e.target.value) })} />
          </label>
          {onDeviceVoices && (
            <label className="field">
              <span className="field__help">Voice engine</span>
              <select value={settings.voiceEngine} data-testid="voice-engine" onChange={(e) => onChange({ voiceEngine: e.target.value as Settings['voiceEngine'] })}>
                <option value="auto">{voices.length ? 'The relay’s voice' : 'Automatic — eSpeak NG on this device'}</option>
                <option value="espeak">eSpeak NG — on this device, instant, robotic</option>
                <option value="kokoro">Kokoro — on this device, natural (a 90 MB model)</option>
              </select>
            </label>
          )}
          {onDeviceVoices && settings.voiceEngine === 'kokoro' && (
            <label className="field">
              <span className="field__help">Kokoro voice {kokoroHosted === true ? '· model on this server' : kokoroHosted === false ? '· model not on this server' : ''}</span>
              <select value={settings.kokoroVoice} data-testid="kokoro-voice" onChange={(e) => onChange({ kokoroVoice: e.target.value })}>
                {KOKORO_VOICES.map((v) => (
                  <option key={v.id} value={v.id}>
                    {v.name}
                  </option>
                ))}
                {!KOKORO_VOICES.some((v) => v.id === settings.kokoroVoice) && <option value={settings.kokoroVoice}>{settings.kokoroVoice}</option>}
              </select>
            </label>
          )}
          {voices.length > 0 && settings.voiceEngine === 'auto' && (
            <label className="field">
              <span className="field__help">Voice</span>
              <select value={settings.ttsVoice ?? ''} data-testid="tts-voice" onChange={(e) => onChange({ ttsVoice: e.target.value || null })}>
                <option value="">Relay default</option>
                {voices.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          )}
          <label className="field">
            <span className="field__help">
              Speaking rate <strong>{settings.speakingRate.toFixed(2).replace(/0$/, '')}×</strong>
            </span>
            <input type="range" min={0.5} max={2} step={0.05} value={settings.speakingRate} data-testid="speaking-rate" onChange={(e) => onChange({ speakingRate: Number(e.target.value) })} />
          </label>
          <label className="check">
            <input type="checkbox" checked={settings.pushToTalk} data-testid="push-to-talk" onChange={(e) => onChange({ pushToTalk: e.target.checked })} />
            Push to talk — hold Space instead of an open microphone
          </label>
          <label className="field">
            <span className="field__help">
              Answer after <strong>{settings.endOfSpeechMs} ms</strong> of silence
            </span>
            <input type="range" min={200} max={2000} step={50} value={settings.endOfSpeechMs} data-testid="end-of-speech" onChange={(e) => onChange({ endOfSpeechMs: Number(e.target.value) })} />
          </label>
          <p className="field__help" data-testid="turn-model">
            {turnModel.status === 'ready'
              ? 'Smart Turn runs on this device: a finished sentence is answered at its first short pause, an unfinished one waits up to 1.5 s.'
              : turnModel.status === 'loading'
                ? 'Loading the turn model…'
                : (turnModel.reason ?? 'The end-of-speech wait alone ends a turn.')}
          </p>
          <label className="check">
            <input type="checkbox" checked={settings.turnModel !== null} data-testid="turn-model-on" onChange={(e) => onChange({ turnModel: e.target.checked ? SMART_TURN_MODEL : null })} />
            Hear when a sentence is finished (Smart Turn, on this device)
          </label>
          <label className="check">
            <input type="checkbox" checked={settings.preemptive && !preemptiveOff} disabled={preemptiveOff} data-testid="preemptive" onChange={(e) => onChange({ preemptive: e.target.checked })} />
            Start answering at a pause — dropped if you go on{preemptiveOff ? ' (turned off by this server)' : ''}
          </label>
          <label className="field">
            <span className="field__help">The avatar's voice comes from</span>
            <select value={settings.audioOutput} data-testid="audio-output" onChange={(e) => onChange({ audioOutput: e.target.value as Settings['audioOutput'] })}>
              <option value="auto">Find out</option>
              <option value="speakers">Speakers</option>
              <option value="headphones">Headphones</option>
            </select>
          </label>
          <p className="field__help" data-testid="audio-output-help">{AUDIO_OUTPUT_HELP[settings.audioOutput]}</p>
        </fieldset>
        <fieldset className="field field--group" data-testid="settings-tools">
          <legend className="field__label">Tools &amp; notes</legend>
          <label className="check">
            <input type="checkbox" checked={settings.tools} data-testid="tools-on" onChange={(e) => onChange({ tools: e.target.checked })} />
            Let the assistant act: show feelings on its face, keep notes, tell the time, change its voice
            {operatorTools > 0 ? `, and use ${operatorTools} tool${operatorTools === 1 ? '' : 's'} of this server` : ''}
          </label>
          <p className="field__help group__about">
            Notes stay in this browser and go to the language model with every question while tools are on. The model of the relay must support tool calls; one that does not answers without them.
          </p>
          {notes.length > 0 ? (
            <>
              <ul className="notes" data-testid="notes">
                {notes.map((n) => (
                  <li key={n.id} className="note">
                    <span className="note__text">{n.text}</span>
                    <button type="button" className="link-button" aria-label={`Delete the note: ${n.text}`} onClick={() => onForgetNotes([n.id])}>
                      Delete
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" className="ghost-button" data-testid="notes-clear" onClick={() => onForgetNotes()}>
                Delete all notes
              </button>
            </>
          ) : (
            <p className="field__help" data-testid="notes-empty">
              {modelAnswers ? 'No notes yet. Ask the assistant to remember something.' : 'No notes yet. The offline guide uses no tools: connect a language model to the relay (see the README) and it can keep notes.'}
            </p>
          )}
        </fieldset>
        {documents}
        {avatars.length > 0 && (
          <fieldset className="field field--group" data-testid="settings-face">
            <legend className="field__label">Face</legend>
            <p className="field__help group__about">The avatar that speaks the answers: drawn on this device, or streamed from a GPU server.</p>
            <div className="avatar-picker" role="radiogroup" aria-label="Avatar">
              {avatars.map((a) => (
                <label key={a.id} className={`avatar-choice${settings.avatar === a.id ? ' avatar-choice--on' : ''}`} data-testid={`avatar-${a.id}`}>
                  <input type="radio" name="avatar" value={a.id} checked={settings.avatar === a.id} onChange={() => onChange({ avatar: a.id })} />
                  <img src={`/avatars/${a.id}/${a.preview}`} alt="" width={96} height={96} />
                  <span className="avatar-choice__name">{a.name}</span>
                  <span className="avatar-choice__about">{a.description}</span>
                </label>
              ))}
            </div>
            {remoteAvatars.length > 0 && (
              <label className="field">
                <span className="field__help">Remote avatar — a model on a GPU server, through the relay; the face above stands in when it cannot</span>
                <select value={settings.remoteAvatar ?? ''} data-testid="remote-avatar" onChange={(e) => onChange({ remoteAvatar: e.target.value || null })}>
                  <option value="">None — the face above, drawn on this device</option>
                  {remoteAvatars.map((m) => (
                    <option key={m.id} value={m.id} disabled={!m.connected}>
                      {m.id} ({m.backend}) — {m.connected ? 'available' : `unavailable: ${m.reason}`}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {remoteAvatars.length > 0 && settings.remoteAvatar && (
              <label className="field">
                <span className="field__help">Hold the voice back for the remote face (a GPU server needs time to draw): the lips keep up with the words</span>
                <select value={settings.remoteAvatarMaxDelayMs} data-testid="remote-avatar-delay" onChange={(e) => onChange({ remoteAvatarMaxDelayMs: Number(e.target.value) })}>
                  <option value={0}>Never — the voice at once; the lips may lag</option>
                  {[500, 1000, 1500, 2000, 3000].map((ms) => (
                    <option key={ms} value={ms}>
                      Up to {(ms / 1000).toFixed(1)} s{ms === 1500 ? ' (default)' : ''}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label className="field">
              <span className="field__help">Recordings (Record on the stage) are saved as</span>
              <select value={settings.recordFormat} data-testid="record-format" onChange={(e) => onChange({ recordFormat: e.target.value as Settings['recordFormat'] })}>
                <option value="mp4">MP4 — H.264 and Opus; plays in browsers, VLC, Windows and Android players</option>
                <option value="webm">WebM — VP9 and Opus; open formats, plays in browsers and VLC</option>
              </select>
            </label>
          </fieldset>
        )}
        <fieldset className="field field--group" data-testid="settings-privacy">
          <legend className="field__label">Privacy &amp; models</legend>
          <p className="field__help group__about">Where your speech is recognised, where the on-device models come from, and what this browser keeps.</p>
          <label className="field">
            <span className="field__help">Speech recognition</span>
            <select value={settings.asrPlacement} data-testid="asr-placement-choice" onChange={(e) => onChange({ asrPlacement: e.target.value as Settings['asrPlacement'] })}>
              <option value="auto">Automatic — on this device when possible</option>
              <option value="on-device">On this device only (audio never leaves it)</option>
              <option value="relay">Through the relay (cloud)</option>
            </select>
          </label>
          <label className="field">
            <span className="field__help">
              On-device speech model {speechModelHosted === true ? '· on this server' : speechModelHosted === false ? '· not on this server' : ''}
            </span>
            <select value={settings.asrModel} data-testid="asr-model" onChange={(e) => onChange({ asrModel: e.target.value })}>
              {speechModels.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
              {!speechModels.some((m) => m.id === settings.asrModel) && <option value={settings.asrModel}>{settings.asrModel}</option>}
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.allowRemoteModels === true}
              data-testid="allow-remote-models"
              onChange={(e) => onChange({ allowRemoteModels: e.target.checked })}
            />
            Download models from Hugging Face when this server does not have them (your audio still stays on the device)
          </label>
          <label className="field">
            <span className="field__label">On-device models run on</span>
            <select value={settings.modelDevice} data-testid="model-device" onChange={(e) => onChange({ modelDevice: e.target.value as Settings['modelDevice'] })}>
              <option value="auto">Automatic: the GPU (WebGPU) when it is a real one, else the CPU</option>
              <option value="wasm">The CPU only (WASM)</option>
              <option value="webgpu">WebGPU always, even a software one (slow; for testing)</option>
            </select>
          </label>
          {storage}
        </fieldset>
        <fieldset className="field field--group" data-testid="settings-access">
          <legend className="field__label">Access</legend>
          <p className="field__help group__about">For relays that are not open to everyone.</p>
          <label className="field">
            <span className="field__label">Access token {tokenRequired ? <em className="tag">required</em> : null}</span>
            <span className="field__help">
              {tokenRequired ? 'This relay asks for a token. Its operator gives it to you.' : 'Only needed when the relay’s operator set one.'} It is stored on this device only.
            </span>
            <input type="password" autoComplete="off" value={settings.accessToken} data-testid="access-token" onChange={(e) => onChange({ accessToken: e.target.value.trim() })} />
          </label>
        </fieldset>
        </form>
      </aside>
    </>
  )
}
