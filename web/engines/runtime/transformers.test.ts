import { describe, expect, it } from 'vitest'
import { modelLoadError } from './transformers.ts'

describe('modelLoadError', () => {
  it('names a missing model and the fix, whichever of its files the library tripped on first', () => {
    for (const message of ['Could not locate file: "/models/x/onnx/model.onnx".', "Cannot read properties of undefined (reading 'tokenizer_class')"]) {
      const err = modelLoadError('voice model', 'parley-test/x', new Error(message), false) as Error & { code: string }
      expect(err.code).toBe('model_missing')
      expect(err.message).toContain('npm run models:fetch -- parley-test/x')
      expect(err.message).toContain('allow downloads from Hugging Face in Settings')
    }
  })

  it('calls a damaged file damaged, and anything else a plain failure with its message', () => {
    expect((modelLoadError('voice model', 'm', new Error('protobuf parsing failed'), true) as Error & { code: string }).code).toBe('model_corrupt')
    expect((modelLoadError('voice model', 'm', new Error('out of memory'), true) as Error & { code: string }).code).toBe('model_failed')
  })
})
