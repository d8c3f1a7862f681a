import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './app/App.tsx'
import { loadSettings } from './session/settings.ts'
import { VoiceSession } from './session/voice-session.ts'
import './app/styles.css'

// One conversation per page: it outlives any component (and React's development double-mounts).
const session = new VoiceSession(loadSettings())

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App session={session} />
  </StrictMode>,
)
