import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, rmSync, truncateSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
export const TINY_WHISPER = 'parley-test/tiny-whisper'
export const BROKEN_WHISPER = 'parley-test/tiny-whisper-truncated'
export const INCOMPLETE_WHISPER = 'parley-test/tiny-whisper-incomplete'
export const TINY_WHISPER_TEXT = 'Hello from the tiny model.'
export const TINY_KOKORO = 'parley-test/tiny-kokoro'
export const TINY_EMBEDDER = 'parley-test/tiny-embedder'
/** Smart Turn v3's file and names, a scripted verdict: always "complete" (0.95), or always "incomplete" (0.05). */
export const TINY_TURN_COMPLETE = 'parley-test/tiny-smart-turn'
export const TINY_TURN_INCOMPLETE = 'parley-test/tiny-smart-turn-unsure'
/** A tiny Qwen2-layout chat model that always answers this (and one that never stops, for cancelling). */
export const TINY_LLM = 'parley-test/tiny-llm'
export const TINY_LLM_LONG = 'parley-test/tiny-llm-long'
export const BROKEN_LLM = 'parley-test/tiny-llm-truncated'
export const INCOMPLETE_LLM = 'parley-test/tiny-llm-incomplete'
export const TINY_LLM_TEXT = 'Hello from your device! Nothing left this page.'

/**
 * The tiny Whisper-, Kokoro- and sentence-embedder (all-MiniLM-L6-v2) layout models the browser
 * tests run through transformers.js (generated, since no weights can be downloaded here), and
 * broken copies of the Whisper one.
 */
export function prepareTestModels() {
  const dir = `${root}models/${TINY_WHISPER}`
  if (!existsSync(`${dir}/onnx/encoder_model_quantized.onnx`)) {
    execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-whisper.py`, dir], { stdio: 'inherit' })
  }
  const kokoro = `${root}models/${TINY_KOKORO}`
  if (!existsSync(`${kokoro}/voices/af_heart.bin`)) execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-kokoro.py`, kokoro], { stdio: 'inherit' })
  const embedder = `${root}models/${TINY_EMBEDDER}`
  if (!existsSync(`${embedder}/onnx/model_quantized.onnx`)) execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-embedder.py`, embedder], { stdio: 'inherit' })
  const llm = `${root}models/${TINY_LLM}`
  if (!existsSync(`${llm}/onnx/model_q4.onnx`)) execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-llm.py`, llm], { stdio: 'inherit' })
  const long = `${root}models/${TINY_LLM_LONG}`
  if (!existsSync(`${long}/onnx/model_q4.onnx`)) execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-llm.py`, long, '--long'], { stdio: 'inherit' })
  for (const [id, p] of [[TINY_TURN_COMPLETE, '0.95'], [TINY_TURN_INCOMPLETE, '0.05']] as const) {
    if (!existsSync(`${root}models/${id}/smart-turn-v3.0.onnx`)) execFileSync('/usr/bin/python3', [`${root}models/tools/make-tiny-smart-turn.py`, `${root}models/${id}`, '--complete', p], { stdio: 'inherit' })
  }
  const brokenLlm = `${root}models/${BROKEN_LLM}`
  rmSync(brokenLlm, { recursive: true, force: true })
  cpSync(llm, brokenLlm, { recursive: true })
  for (const f of ['model_q4.onnx', 'model_q4f16.onnx']) truncateSync(`${brokenLlm}/onnx/${f}`, Math.floor(statSync(`${brokenLlm}/onnx/${f}`).size / 2))
  const incompleteLlm = `${root}models/${INCOMPLETE_LLM}`
  rmSync(incompleteLlm, { recursive: true, force: true })
  cpSync(llm, incompleteLlm, { recursive: true })
  rmSync(`${incompleteLlm}/onnx/model_q4.onnx`)
  const broken = `${root}models/${BROKEN_WHISPER}`
  rmSync(broken, { recursive: true, force: true })
  cpSync(dir, broken, { recursive: true })
  for (const f of ['encoder_model.onnx', 'encoder_model_quantized.onnx']) {
    const file = `${broken}/onnx/${f}`
    truncateSync(file, Math.floor(statSync(file).size / 2))
  }
  const incomplete = `${root}models/${INCOMPLETE_WHISPER}`
  rmSync(incomplete, { recursive: true, force: true })
  cpSync(dir, incomplete, { recursive: true })
  rmSync(`${incomplete}/onnx/encoder_model_quantized.onnx`)
}
