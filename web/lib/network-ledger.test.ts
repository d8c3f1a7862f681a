import { describe, expect, it } from 'vitest'
import { ledgerStage, ledgerSummary, privatePolicy, type LedgerEntry } from './network-ledger.ts'

describe('network ledger', () => {
  it('names the stage from the worker, else from the path', () => {
    expect(ledgerStage(new URL('http://h/models/x/onnx/model_q4.onnx'), 'http://h/assets/llm.worker-AbC.js')).toBe('answer')
    expect(ledgerStage(new URL('http://h/models/x/config.json'), 'http://h/assets/asr.worker-AbC.js')).toBe('speech recognition')
    expect(ledgerStage(new URL('http://h/api/v1/chat/completions'), 'http://h/?private')).toBe('answer')
    expect(ledgerStage(new URL('http://h/api/config'), 'http://h/')).toBe('relay')
    expect(ledgerStage(new URL('http://h/assets/main.js'), 'http://h/')).toBe('app')
  })
  it("limits a private session's connections to the app's own files, by path", () => {
    const p = privatePolicy('http://127.0.0.1:8787', 'http://127.0.0.1:8787')
    const connect = p.split('; ').find((d) => d.startsWith('connect-src'))!
    expect(connect).toBe('connect-src http://127.0.0.1:8787/assets/ http://127.0.0.1:8787/vendor/ http://127.0.0.1:8787/avatars/ http://127.0.0.1:8787/models/')
    expect(connect).not.toContain("'self'")
    expect(connect).not.toContain('huggingface')
    expect(privatePolicy('https://app.example', 'https://relay.example')).toContain('https://relay.example/models/')
    expect(privatePolicy('https://app.example', 'https://relay.example')).not.toContain('https://relay.example/api')
  })
  it('sums what left the device', () => {
    const e = (status: LedgerEntry['status'], bytes: number): LedgerEntry => ({ at: 0, method: 'GET', origin: 'o', path: '/', stage: 'app', status, httpStatus: 200, bytes, private: true })
    expect(ledgerSummary([e('network', 10), e('stored', 99), e('network', 5), e('blocked', 0)])).toEqual({ left: 2, bytes: 15, stored: 1, blocked: 1 })
  })
})
