import { describe, expect, it } from 'vitest'
import { generationError, loadError } from './errors.ts'

const code = (e: Error) => (e as Error & { code: string }).code

describe('on-device model errors', () => {
  it('says a model is too large when memory runs out while loading, and what to do', () => {
    const e = loadError('onnx-community/Qwen2.5-1.5B-Instruct', new RangeError('Array buffer allocation failed'), false)
    expect(code(e)).toBe('model_too_large')
    expect(e.message).toContain('Choose the smaller model')
    expect(code(loadError('m', new Error('Failed to create a buffer: size exceeds the maxBufferSize limit'), false))).toBe('model_too_large')
  })
  it('names a missing or damaged file with the command that fixes it', () => {
    const missing = loadError('parley-test/x', new Error('Could not locate file: "/models/parley-test/x/onnx/model_q4.onnx".'), false)
    expect(code(missing)).toBe('model_missing')
    expect(missing.message).toContain('npm run models:fetch -- parley-test/x')
    expect(code(loadError('parley-test/x', new Error('protobuf parsing failed'), false))).toBe('model_corrupt')
  })
  it('tells a failure mid-answer from running out of memory', () => {
    expect(code(generationError(new Error('std::bad_alloc: out of memory')))).toBe('llm_out_of_memory')
    expect(code(generationError(new Error('boom')))).toBe('llm_failed')
  })
})
