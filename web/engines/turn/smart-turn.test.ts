// Smart Turn's input path, on the tiny generated model (models/tools/make-tiny-smart-turn.py):
// the same file, input and output names as the real smart-turn-v3.0.onnx, a scripted verdict.
// What is checked is the audio → features → model plumbing, not whether a turn is over.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lastEightSeconds, normalise, SmartTurn, turnFeatures, turnFeaturesReference } from './smart-turn.ts'

const tone = (hz: number, seconds: number, gain = 0.3) => Float32Array.from({ length: seconds * 16000 }, (_, i) => gain * Math.sin((2 * Math.PI * hz * i) / 16000))

function tinyModel(p: number): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'smart-turn-'))
  execFileSync('/usr/bin/python3', [new URL('../../../models/tools/make-tiny-smart-turn.py', import.meta.url).pathname, dir, '--complete', String(p)])
  return new Uint8Array(readFileSync(join(dir, 'smart-turn-v3.0.onnx')))
}

describe('Smart Turn input', () => {
  it('keeps the last 8 s, padding a shorter turn with zeros at its start', () => {
    const short = lastEightSeconds(new Float32Array(16000).fill(1))
    expect(short.length).toBe(128000)
    expect(short[128000 - 16000 - 1]).toBe(0)
    expect(short[128000 - 16000]).toBe(1)
    const long = Float32Array.from({ length: 10 * 16000 }, (_, i) => i)
    expect(lastEightSeconds(long)[0]).toBe(2 * 16000)
  })

  it('normalises to zero mean and unit variance', () => {
    const x = normalise(Float32Array.from({ length: 1000 }, (_, i) => 3 + Math.sin(i)))
    const mean = x.reduce((a, b) => a + b) / x.length
    const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length
    expect(Math.abs(mean)).toBeLessThan(1e-5)
    expect(variance).toBeCloseTo(1, 4)
  })

  it('makes 80 × 800 log-mel features that do not depend on the level, with a tone in the right band', async () => {
    const loud = await turnFeatures(tone(1000, 2))
    const quiet = await turnFeatures(tone(1000, 2, 0.03))
    expect(loud.length).toBe(80 * 800)
    let worst = 0
    for (let i = 0; i < loud.length; i++) worst = Math.max(worst, Math.abs(loud[i]! - quiet[i]!))
    expect(worst).toBeLessThan(1e-3)
    // The last frame (the turn's end): 1 kHz is Slaney mel 15, of 0…45.2 over 0–8 kHz: about bin 26 of 80.
    const last = Array.from({ length: 80 }, (_, m) => loud[m * 800 + 790]!)
    const peak = last.indexOf(Math.max(...last))
    expect(peak).toBeGreaterThanOrEqual(24)
    expect(peak).toBeLessThanOrEqual(28)
    // Whisper's scaling: (log10 + 4) / 4 with an 8-decade floor under the peak.
    expect(Math.min(...loud)).toBeGreaterThanOrEqual(Math.max(...loud) - 2 - 1e-6)
  })

  it('makes the same features as the whole 8 s through the extractor, for turns of every length', async () => {
    // Speech-like: a gliding tone with noise, the same seeded sequence each run.
    let seed = 7
    const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.05
    for (const seconds of [0.2, 0.5, 1.37, 2, 4.5, 7.6, 7.98, 8, 9]) {
      const audio = Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => 0.3 * Math.sin((2 * Math.PI * (200 + i / 100) * i) / 16000) + noise())
      const [fast, reference] = [await turnFeatures(audio), await turnFeaturesReference(audio)]
      expect(fast.length).toBe(reference.length)
      let worst = 0
      for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i]! - reference[i]!))
      expect(worst, `${seconds} s`).toBeLessThan(1e-5)
    }
  })

  it('loads a model with Smart Turn v3 names and returns its probability', async () => {
    const model = await SmartTurn.load(tinyModel(0.9))
    expect(await model.completeProbability(tone(300, 1))).toBeCloseTo(0.9, 4)
    await model.release()
    const unsure = await SmartTurn.load(tinyModel(0.1))
    expect(await unsure.completeProbability(tone(300, 9))).toBeCloseTo(0.1, 4)
    await unsure.release()
  })

  it('refuses a model with other names, saying which it has', async () => {
    const silero = readFileSync(new URL('../../../node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx', import.meta.url))
    await expect(SmartTurn.load(new Uint8Array(silero))).rejects.toThrow(/Not a Smart Turn v3 model.*input, state, sr/)
  })
})
