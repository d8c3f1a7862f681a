import { loadConfig } from '../relay/config.ts'
import { startRelay } from '../relay/node.ts'
import { startFakeLlm } from '../tests/fakes/llm-upstream.ts'
import { startFakeSpeech } from '../tests/fakes/speech-upstream.ts'
import { startFakeTranscriber } from '../tests/fakes/transcription-upstream.ts'
import { spokenConversation } from '../tests/bench/conversation.ts'
const KEY = 'sk-bench-not-a-real-key'
const llm = await startFakeLlm({ apiKey: KEY, chunkDelayMs: 0 })
const asr = await startFakeTranscriber({ apiKey: KEY })
const speech = await startFakeSpeech({ apiKey: KEY })
const relay = await startRelay(loadConfig({ HOST: '127.0.0.1', PORT: '0', LLM_BASE_URL: llm.baseUrl, LLM_API_KEY: KEY, LLM_MODEL: 'fake-model', ASR_BASE_URL: asr.baseUrl, ASR_API_KEY: KEY, TTS_BASE_URL: speech.baseUrl, TTS_API_KEY: KEY }), { distDir: 'build/bench', log: (e) => { if (String(e.path).includes('chat')) console.log(Date.now() % 100000, JSON.stringify(e).slice(0, 200)) } })
llm.next(...Array.from({ length: 3 }, () => ({ kind: 'reply' as const, text: 'Sure, I can hear you well. It is a fine day today.', chunkDelayMs: 0 })))
speech.next(...Array.from({ length: 6 }, () => ({ kind: 'audio' as const, seconds: 0.3, chunkDelayMs: 0 })))
const turns = await spokenConversation(relay.url, { asrPlacement: 'relay', preemptive: false, turnModel: null })
for (const t of turns) {
  const b = t.speechEnd!
  console.log(Object.fromEntries(Object.entries(t).filter(([, v]) => v !== null).map(([k, v]) => [k, Math.round(v! - b)])))
}
await relay.close(); await llm.close(); await asr.close(); await speech.close()
