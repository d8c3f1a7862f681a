import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app/App.tsx'
import { PrivateUnsupported } from './app/PrivateUnsupported.tsx'
import { registerServiceWorker, underServiceWorker } from './lib/service-worker.ts'
import { isPrivatePage } from './session/private-session.ts'
import { loadSettings } from './session/settings.ts'
import { VoiceSession } from './session/voice-session.ts'
import './app/styles.css'

const root = createRoot(document.getElementById('root')!)
const privatePage = isPrivatePage()

// A private session starts only under the service worker's policy (installed, then the page loads
// again under it). The dev server builds no worker: there the session runs, and says it is not enforced.
const gate = privatePage && import.meta.env.PROD ? await underServiceWorker() : 'controlled'

if (gate === 'unsupported') {
  root.render(<PrivateUnsupported />)
} else if (gate === 'controlled') {
  // One conversation per page: it outlives any component (and React's development double-mounts).
  const session = new VoiceSession(loadSettings(), { private: privatePage })
  if (!privatePage) void registerServiceWorker()
  addEventListener('pagehide', () => session.dispose())
  root.render(
    <StrictMode>
      <App session={session} />
    </StrictMode>,
  )
}
