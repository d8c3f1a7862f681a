import { describe, expect, it } from 'vitest'
import { modelOf } from './stored-models.ts'

describe('modelOf', () => {
  it('names the model of a file on this server or the hub', () => {
    expect(modelOf('http://h/models/onnx-community/whisper-base/onnx/encoder_model_quantized.onnx')).toBe('onnx-community/whisper-base')
    expect(modelOf('http://h/models/parley-test/tiny-llm/config.json')).toBe('parley-test/tiny-llm')
    expect(modelOf('http://h/models/onnx-community/Kokoro-82M-v1.0-ONNX/voices/af_heart.bin')).toBe('onnx-community/Kokoro-82M-v1.0-ONNX')
    expect(modelOf('https://huggingface.co/onnx-community/Qwen2.5-0.5B-Instruct/resolve/main/onnx/model_q4f16.onnx')).toBe('onnx-community/Qwen2.5-0.5B-Instruct')
  })
  it('leaves the rest to the app', () => {
    expect(modelOf('http://h/models/index.json')).toBeNull()
    expect(modelOf('http://h/assets/main-abc.js')).toBeNull()
    expect(modelOf('https://evil.example/a/b/resolve/main/x')).toBeNull()
  })
})
