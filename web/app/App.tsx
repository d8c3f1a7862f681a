import { useCallback, useState } from 'react'
import manifest from '../../models/manifest.json'
import { espeakAvailable } from '../engines/tts/espeak/synthesizer.ts'
import { AvatarStage } from '../features/avatar/AvatarStage.tsx'
import { ConversationPanel } from '../features/conversation/ConversationPanel.tsx'
import { downloadJson } from '../features/metrics/download-json.ts'
import { LatencyWaterfall } from '../features/metrics/LatencyWaterfall.tsx'
import { SessionSummary } from '../features/metrics/SessionSummary.tsx'
import { ExportDialog } from '../features/recording/ExportDialog.tsx'
import { RecordControl } from '../features/recording/RecordControl.tsx'
import { DocumentsSection } from '../features/documents/DocumentsSection.tsx'
import { usePageDrop } from '../features/documents/use-page-drop.ts'
import { ACCEPTED } from '../engines/documents/formats.ts'
import { SettingsPanel } from '../features/settings/SettingsPanel.tsx'
import { useSettings } from '../features/settings/use-settings.ts'
import { usePushToTalk } from '../features/voice/use-push-to-talk.ts'
import { VoicePanel } from '../features/voice/VoicePanel.tsx'
import type { VoiceSession } from '../session/voice-session.ts'
import { Topbar } from './Topbar.tsx'
import { PrivateBadge } from '../features/privacy/PrivateBadge.tsx'
import { NetworkLedger } from '../features/privacy/NetworkLedger.tsx'
import { PrivacySection } from '../features/privacy/PrivacySection.tsx'
import { StoredData } from '../features/privacy/StoredData.tsx'
import { privateUrl } from '../session/private-session.ts'
import { stageLine } from './labels.ts'
import { useSession } from './use-session.ts'

const SPEECH_MODELS = manifest.models.filter((m) => m.task === 'automatic-speech-recognition').map((m) => ({ id: m.id, name: m.name, paramsMillions: m.params_millions }))

const LLM_MODELS = manifest.models.filter((m) => m.task === 'text-generation').map((m) => ({ id: m.id, name: m.name }))

const EMBEDDING_MODELS = manifest.models.filter((m) => m.task === 'feature-extraction').map((m) => ({ id: m.id, name: m.name }))

const ASSISTANT_NAME = 'Parley'

/** `?debug` shows the developer data (timings) whatever the settings say. */
const DEBUG = new URLSearchParams(location.search).has('debug')

/** Layout and composition: the session does the work, the features show it. */
export function App({ session }: { session: VoiceSession }) {
  const [settings, updateSettings] = useSettings()
  const s = useSession(session, settings, updateSettings)
  const [settingsOpen, setSettingsOpen] = useState(false)
  const [ledgerOpen, setLedgerOpen] = useState(false)
  const [settingsSection, setSettingsSection] = useState<'documents' | undefined>()
  const openSettings = (section?: 'documents') => {
    setSettingsSection(section)
    setSettingsOpen(true)
  }
  // Files dropped anywhere on the page become documents; Settings opens on them, to show their progress.
  const dropping = usePageDrop(
    useCallback(
      (files: File[]) => {
        session.documents.add(files)
        setSettingsSection('documents')
        setSettingsOpen(true)
      },
      [session],
    ),
  )
  // Dismissing hides this outage's banner; the next one (another error) shows again.
  const [dismissedNotice, setDismissedNotice] = useState<unknown>(null)
  usePushToTalk(settings.pushToTalk && s.voice.status !== 'off' && s.voice.status !== 'starting', useCallback((p: boolean) => session.pushToTalk(p), [session]))

  const toggleRecording = useCallback(() => void session.recorder.toggle(), [session])
  // The finished video's player stays open until closed; a new export opens it again.
  const [videoOpen, setVideoOpen] = useState(false)
  const exportVideo = (assistantId?: string) => {
    setVideoOpen(true)
    void session.exporter.start(assistantId)
  }
  const relay = s.relay
  const agent = s.placements.agent
  const remote = s.placements.avatar.placement && ['omnirt', 'direct_ws', 'mock'].includes(s.placements.avatar.placement) ? settings.remoteAvatar : null
  const timings = settings.showTimings || DEBUG
  const exportLog = () => downloadJson(`parley-session-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`, session.exportLog())
  const notice = relay === null && session.relayError !== dismissedNotice ? { error: session.relayError, retry: () => session.refreshRelay() } : undefined

  return (
    <div className="app" data-turn={s.phase} data-private={s.privateSession || undefined}>
      <Topbar
        agent={agent}
        canClear={s.conversation.messages.length > 0}
        onClear={() => session.clear()}
        onSettings={() => openSettings()}
        onExport={s.turns.length ? exportLog : undefined}
        onExportVideo={s.keptAnswers.size ? () => exportVideo() : undefined}
        onNetwork={() => setLedgerOpen(true)}
        privacy={s.privateSession ? <PrivateBadge left={s.network.left} watching={s.network.watching} onOpen={() => setLedgerOpen(true)} /> : null}
      />
      <ExportDialog state={s.export} open={videoOpen} onCancel={() => void session.exporter.cancel()} onClose={() => setVideoOpen(false)} />
      <NetworkLedger open={ledgerOpen} onClose={() => setLedgerOpen(false)} privateSession={s.privateSession} {...s.network} />

      <main className="layout">
        <AvatarStage
          name={ASSISTANT_NAME}
          mood={s.mood}
          voiceLevel={session.speaker.level}
          face={s.face}
          remote={remote}
          mount={(el) => session.mountFace(el)}
          placement={`${s.privateSession ? 'Private session · ' : ''}${stageLine(s)}`}
          controls={
            <RecordControl
              recording={s.recording}
              interrupted={s.interruptedRecordings}
              canRecord={Boolean(s.face.status) && !s.face.error}
              written={session.recorder.written}
              onToggle={toggleRecording}
              onRecover={(id) => void session.recorder.recover(id)}
              onDiscard={(id) => void session.recorder.discard(id)}
            />
          }
        />
        <ConversationPanel
          conversation={s.conversation}
          offline={agent.placement === 'offline'}
          onRetry={(id) => session.retry(id)}
          onDismissError={() => session.dismissConversationError()}
          onSend={(text) => session.send(text)}
          onStop={() => session.stop()}
          belowMessage={(m) => {
            if (m.role !== 'assistant' || m.status === 'streaming') return null
            const turn = timings ? s.turns.find((t) => t.assistantId === m.id) : undefined
            const video = s.keptAnswers.has(m.id) && (
              <button type="button" className="link-button message__video" data-testid="answer-video" onClick={() => exportVideo(m.id)} disabled={s.export.status === 'exporting'}>
                Video of this answer
              </button>
            )
            return turn || video ? (
              <>
                {video}
                {turn && <LatencyWaterfall turn={turn} />}
              </>
            ) : null
          }}
          footer={
            timings && s.turns.length ? <SessionSummary turns={s.turns} onExport={exportLog} /> : null
          }
          assistantName={ASSISTANT_NAME}
          notice={notice}
          onDismissNotice={() => setDismissedNotice(session.relayError)}
          ready={relay !== undefined}
          voice={
            <VoicePanel snapshot={s} session={session} relayAsr={Boolean(relay?.asr.available)} asrChoice={settings.asrPlacement} onUseRelayAsr={() => updateSettings({ asrPlacement: 'relay' })}
              speechModel={SPEECH_MODELS.find((m) => m.id === settings.asrModel) ?? { id: settings.asrModel, name: settings.asrModel }}
              onDownloadModel={() => {
                updateSettings({ allowRemoteModels: true })
                void session.startListening()
              }}
              pushToTalk={settings.pushToTalk}
            />
          }
        />
      </main>

      <SettingsPanel
        open={settingsOpen}
        section={settingsSection}
        onClose={() => setSettingsOpen(false)}
        settings={settings}
        onChange={updateSettings}
        models={relay?.llm.models ?? []}
        defaultModel={relay?.llm.default ?? null}
        realtimeModels={relay?.realtime.models ?? []}
        defaultRealtimeModel={relay?.realtime.default ?? null}
        tokenRequired={Boolean(relay?.auth.required)}
        microphones={s.voice.microphones}
        voices={relay?.tts.voices ?? []}
        speechModels={SPEECH_MODELS}
        speechModelHosted={s.hosted.asr}
        onDeviceVoices={espeakAvailable}
        avatars={s.avatars}
        remoteAvatars={s.remoteAvatars}
        kokoroHosted={s.hosted.kokoro}
        notes={s.notes}
        onForgetNotes={(ids) => session.forgetNotes(ids)}
        operatorTools={s.operatorTools}
        modelAnswers={agent.placement !== 'offline'}
        agent={agent}
        llmModels={LLM_MODELS}
        onDownloadLlm={() => updateSettings({ allowRemoteModels: true })}
        privateSession={s.privateSession}
        turnModel={s.voice.turnModel}
        preemptiveOff={relay?.preemptive === false}
        privacy={
          <PrivacySection
            privateSession={s.privateSession}
            readiness={s.privateReadiness}
            enterUrl={privateUrl(true)}
            leaveUrl={privateUrl(false)}
            onDownload={() => void session.downloadForPrivate()}
            downloading={s.downloading}
          />
        }
        storage={<StoredData visible={settingsOpen} />}
        documents={
          <DocumentsSection
            state={s.documents}
            settings={settings}
            onChange={updateSettings}
            embeddingModels={EMBEDDING_MODELS}
            accept={ACCEPTED}
            onAdd={(files) => session.documents.add(files)}
            onRemove={(id) => void session.documents.remove(id)}
            onReindex={(id) => session.documents.reindex(id)}
            onDismiss={(id) => session.documents.dismiss(id)}
          />
        }
      />
      {dropping && (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden>
          <p>Drop to add to your documents</p>
        </div>
      )}
    </div>
  )
}
