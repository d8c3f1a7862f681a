import { describe, expect, it } from 'vitest'
import { ConfigError, defaultLimits, loadConfig } from './config.ts'

describe('loadConfig', () => {
  it('defaults to loopback:8787 with no LLM', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8787, llm: undefined, accessToken: undefined, limits: defaultLimits })
  })

  it('reads the LLM settings and trims a trailing slash', () => {
    const c = loadConfig({ LLM_BASE_URL: 'http://localhost:11434/v1/', LLM_MODEL: 'llama3.2', LLM_API_KEY: 'k' })
    expect(c.llm).toEqual({ baseUrl: 'http://localhost:11434/v1', apiKey: 'k', defaultModel: 'llama3.2', models: ['llama3.2'] })
  })

  it('uses LLM_MODELS as the allow-list and its first entry as the default', () => {
    const c = loadConfig({ LLM_BASE_URL: 'http://x/v1', LLM_MODELS: 'a, b ,c' })
    expect(c.llm?.models).toEqual(['a', 'b', 'c'])
    expect(c.llm?.defaultModel).toBe('a')
  })

  it('falls back to OPENAI_API_KEY / OPENAI_BASE_URL', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-x' }).llm).toMatchObject({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-x', defaultModel: 'gpt-4o-mini' })
    expect(loadConfig({ OPENAI_BASE_URL: 'http://y/v1', OPENAI_API_KEY: 'z' }).llm?.baseUrl).toBe('http://y/v1')
    expect(loadConfig({ LLM_BASE_URL: 'http://l/v1', OPENAI_BASE_URL: 'http://y/v1' }).llm?.baseUrl).toBe('http://l/v1')
  })

  it('never sends OPENAI_API_KEY to a server the OpenAI settings do not point at', () => {
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', LLM_BASE_URL: 'http://ollama.local/v1' }).llm?.apiKey).toBeUndefined()
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', LLM_BASE_URL: 'https://api.openai.com/v1' }).llm?.apiKey).toBe('sk-o')
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', ASR_BASE_URL: 'http://whisper.local/v1' }).asr?.apiKey).toBeUndefined()
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', TTS_BASE_URL: 'http://kokoro.local/v1' }).tts?.apiKey).toBeUndefined()
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o' }).tts).toMatchObject({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-o' })
    expect(loadConfig({ TTS_BASE_URL: 'http://kokoro.local/v1', TTS_API_KEY: 'k' }).tts?.apiKey).toBe('k')
  })

  it('treats blank variables as unset', () => {
    expect(loadConfig({ LLM_BASE_URL: '  ', PORT: '' }).llm).toBeUndefined()
  })

  it.each([
    [{ PORT: 'eighty' }, /PORT: expected a port number/],
    [{ PORT: '70000' }, /PORT: expected a port number/],
    [{ LLM_BASE_URL: 'api.openai.com' }, /LLM_BASE_URL: expected an http/],
    [{ LLM_BASE_URL: 'ftp://x' }, /LLM_BASE_URL: expected an http/],
    [{ LLM_BASE_URL: 'http://x/v1', LLM_MODEL: 'a', LLM_MODELS: 'b,c' }, /LLM_MODEL: "a" is not in LLM_MODELS/],
    [{ LLM_MODEL: 'a' }, /LLM_BASE_URL is not/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig(env)).toThrow(message)
  })

  it('accepts limit overrides', () => {
    expect(loadConfig({}, { upstreamIdleMs: 5 }).limits.upstreamIdleMs).toBe(5)
  })
  it('reads the Realtime settings; the OpenAI key goes only to OpenAI Realtime', () => {
    expect(loadConfig({}).realtime).toBeUndefined()
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o' }).realtime).toEqual({ url: 'wss://api.openai.com/v1/realtime', apiKey: 'sk-o', defaultModel: 'gpt-realtime', models: ['gpt-realtime'] })
    // A local server never sees the OpenAI key; nor does OpenAI see a key meant for OPENAI_BASE_URL's server.
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', REALTIME_URL: 'ws://127.0.0.1:7866/realtime/' }).realtime).toEqual({ url: 'ws://127.0.0.1:7866/realtime', apiKey: undefined, defaultModel: 'gpt-realtime', models: ['gpt-realtime'] })
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', OPENAI_BASE_URL: 'http://vllm.local/v1' }).realtime).toBeUndefined()
    expect(loadConfig({ REALTIME_URL: 'ws://h/realtime', REALTIME_API_KEY: 'k', REALTIME_MODELS: 'qwen-omni, other' }).realtime).toEqual({ url: 'ws://h/realtime', apiKey: 'k', defaultModel: 'qwen-omni', models: ['qwen-omni', 'other'] })
  })

  it('stops on bad Realtime settings, naming the variable', () => {
    expect(() => loadConfig({ REALTIME_URL: 'https://api.openai.com/v1/realtime' })).toThrow(/REALTIME_URL: expected a ws:\/\/ or wss:\/\/ URL/)
    expect(() => loadConfig({ REALTIME_URL: 'ws://h/realtime?model=x' })).toThrow(/REALTIME_URL: give the URL without a query/)
    expect(() => loadConfig({ REALTIME_MODEL: 'gpt-realtime' })).toThrow(/REALTIME_MODEL\/REALTIME_MODELS are set but REALTIME_URL is not/)
    expect(() => loadConfig({ REALTIME_URL: 'ws://h/r', REALTIME_MODEL: 'a', REALTIME_MODELS: 'b,c' })).toThrow(/REALTIME_MODEL: "a" is not in REALTIME_MODELS/)
    expect(() => loadConfig({ REALTIME_URL: 'ws://h/r', REALTIME_API_KEY: 'sk-secret', PORT: 'x' })).not.toThrow(/sk-secret/)
  })
})
