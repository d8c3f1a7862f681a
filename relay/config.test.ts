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

  it('reads the embeddings settings with the OpenAI fallbacks; the OpenAI key goes only where they point', () => {
    const model = 'text-embedding-3-small'
    expect(loadConfig({}).embeddings).toBeUndefined()
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o' }).embeddings).toEqual({ baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-o', model })
    expect(loadConfig({ OPENAI_BASE_URL: 'http://y/v1', OPENAI_API_KEY: 'z' }).embeddings).toEqual({ baseUrl: 'http://y/v1', apiKey: 'z', model })
    expect(loadConfig({ EMBEDDINGS_API_KEY: 'k' }).embeddings).toEqual({ baseUrl: 'https://api.openai.com/v1', apiKey: 'k', model })
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', EMBEDDINGS_BASE_URL: 'http://tei.local/v1/' }).embeddings).toEqual({ baseUrl: 'http://tei.local/v1', apiKey: undefined, model })
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', EMBEDDINGS_BASE_URL: 'https://api.openai.com/v1' }).embeddings?.apiKey).toBe('sk-o')
    // OPENAI_BASE_URL's server, not OpenAI, has the OpenAI key.
    expect(loadConfig({ OPENAI_API_KEY: 'sk-o', OPENAI_BASE_URL: 'http://vllm.local/v1', EMBEDDINGS_BASE_URL: 'https://api.openai.com/v1' }).embeddings?.apiKey).toBeUndefined()
    expect(loadConfig({ EMBEDDINGS_BASE_URL: 'http://127.0.0.1:11434/v1', EMBEDDINGS_MODEL: 'nomic-embed-text' }).embeddings).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', apiKey: undefined, model: 'nomic-embed-text' })
    // Never the LLM's settings.
    expect(loadConfig({ LLM_BASE_URL: 'http://l/v1', LLM_API_KEY: 'k' }).embeddings).toBeUndefined()
  })

  it('stops on bad embeddings settings, naming the variable and never echoing the key', () => {
    expect(() => loadConfig({ EMBEDDINGS_BASE_URL: 'tei.local' })).toThrow(/EMBEDDINGS_BASE_URL: expected an http/)
    expect(() => loadConfig({ EMBEDDINGS_MODEL: 'nomic-embed-text' })).toThrow(/EMBEDDINGS_MODEL is set but EMBEDDINGS_BASE_URL is not/)
    expect(() => loadConfig({ EMBEDDINGS_API_KEY: 'sk-secret-embed', EMBEDDINGS_BASE_URL: 'x' })).not.toThrow(/sk-secret-embed/)
  })

  describe('PARLEY_MCP_SERVERS', () => {
    const servers = (v: unknown) => ({ PARLEY_MCP_SERVERS: typeof v === 'string' ? v : JSON.stringify(v) })
    /** The problems loadConfig reports, one string. */
    const problems = (v: unknown) => {
      try {
        loadConfig(servers(v))
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError)
        return (err as ConfigError).message
      }
      throw new Error('expected a ConfigError')
    }

    it('reads the servers: headers default to none, no tools list to all', () => {
      expect(loadConfig({}).mcpServers).toEqual([])
      expect(loadConfig(servers([{ name: 'docs', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer t0k3n' }, tools: ['search'] }, { name: 'shop_2', url: 'http://127.0.0.1:9000/mcp' }])).mcpServers).toEqual([
        { name: 'docs', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer t0k3n' }, tools: ['search'] },
        { name: 'shop_2', url: 'http://127.0.0.1:9000/mcp', headers: {}, tools: undefined },
      ])
      expect(loadConfig(servers('  ')).mcpServers).toEqual([])
      expect(loadConfig(servers([])).mcpServers).toEqual([])
    })

    it.each([
      ['bad JSON', '[{"name": "docs", "url": ', /PARLEY_MCP_SERVERS: not valid JSON.*expected an array like/],
      ['not an array', { name: 'docs', url: 'https://x/mcp' }, /PARLEY_MCP_SERVERS: expected a JSON array of servers/],
      ['not an object', ['docs'], /PARLEY_MCP_SERVERS\[0\]: expected an object \{name, url, headers\?, tools\?\}/],
      ['a bad name', [{ name: 'my docs', url: 'https://x/mcp' }], /PARLEY_MCP_SERVERS\[0\]\.name: expected 1–32 letters, digits, _ or -/],
      ['no name', [{ url: 'https://x/mcp' }], /PARLEY_MCP_SERVERS\[0\]\.name: expected a string/],
      ['a duplicate', [{ name: 'docs', url: 'https://a/mcp' }, { name: 'docs', url: 'https://b/mcp' }], /PARLEY_MCP_SERVERS\[1\] \("docs"\)\.name: another server is already named "docs"/],
      ['a bad url', [{ name: 'docs', url: 'mcp.example.com' }], /PARLEY_MCP_SERVERS\[0\] \("docs"\)\.url: expected the server's http:\/\/ or https:\/\/ MCP endpoint/],
      ['a ws url', [{ name: 'docs', url: 'ws://x/mcp' }], /\("docs"\)\.url: expected the server's http:\/\/ or https:\/\//],
      ['credentials in the url', [{ name: 'docs', url: 'https://user:pass@x/mcp' }], /\("docs"\)\.url: put credentials in "headers"/],
      ['a header that is not a string', [{ name: 'docs', url: 'https://x/mcp', headers: { 'X-Key': 42 } }], /\("docs"\)\.headers\.X-Key: expected a string value/],
      ['a header the transport sets', [{ name: 'docs', url: 'https://x/mcp', headers: { 'Mcp-Session-Id': 'abc' } }], /\("docs"\)\.headers\.Mcp-Session-Id: is set by the MCP transport itself/],
      ['tools that are not a list', [{ name: 'docs', url: 'https://x/mcp', tools: 'search' }], /\("docs"\)\.tools: expected an array of the tool names/],
      ['an unknown field', [{ name: 'docs', url: 'https://x/mcp', header: {} }], /\("docs"\): unknown field\(s\) "header"; expected name, url, headers, tools/],
    ])('stops on %s, naming the entry and the field', (_, value, message) => {
      expect(problems(value)).toMatch(message)
    })

    it('reports every problem at once, and never quotes a header value or the JSON', () => {
      const secret = 'Bearer sk-mcp-very-secret-123'
      const message = problems([{ name: 'a', url: 'nope', headers: { Authorization: secret, 'Bad Header': secret } }, { name: 'a b', url: 'https://x' }])
      expect(message).toContain('[0] ("a").url')
      expect(message).toContain('[0] ("a").headers.Bad Header')
      expect(message).toContain('[1].name')
      expect(message).not.toContain('sk-mcp-very-secret')
      expect(problems(`[{"name": "a", "url": "https://x", "headers": {"Authorization": "${secret}"}},]`)).not.toContain('sk-mcp-very-secret')
    })
  })
})
