import type { DeviceCapabilities } from './placement.ts'

/** The on-device language models Parley knows (models/manifest.json): a small one and a better one. */
export const SMALL_LLM = 'onnx-community/Qwen2.5-0.5B-Instruct'
export const LARGE_LLM = 'onnx-community/Qwen2.5-1.5B-Instruct'

/**
 * Which on-device model answers, and why. The user's choice wins; 'auto' takes the 1.5 B model
 * only where it runs well — a hardware WebGPU adapter with 16-bit floats (its 4-bit weights are
 * ~1.1 GB) and at least 8 GiB of memory — and the 0.5 B one (~0.5 GB) everywhere else.
 */
export function chooseLlm(choice: string, device: DeviceCapabilities | undefined, measured: Readonly<Record<string, number>> = {}): { id: string; why: string } {
  if (choice !== 'auto') return { id: choice, why: 'your choice' }
  if (!device?.webgpu || device.softwareGpu) return { id: SMALL_LLM, why: 'the small model: no hardware GPU here' }
  if (!device.shaderF16) return { id: SMALL_LLM, why: 'the small model: this GPU has no 16-bit floats' }
  if ((device.memoryGiB ?? 0) < 8) return { id: SMALL_LLM, why: `the small model: ${device.memoryGiB ? `${device.memoryGiB} GiB of memory` : 'memory unknown'} (the larger needs 8)` }
  if (device.maxBufferMiB !== undefined && device.maxBufferMiB < 1024) return { id: SMALL_LLM, why: `the small model: this GPU's largest buffer is ${device.maxBufferMiB} MiB (the larger needs 1 GiB)` }
  // The self-benchmark: the larger model's first answers here, timed. Too slow to talk with, it gives way.
  const ms = measured[LARGE_LLM]
  if (ms !== undefined && ms > SLOW_MS_PER_TOKEN) return { id: SMALL_LLM, why: `the small model: the larger one ran at ${Math.round(1000 / ms)} tokens/s here` }
  return { id: LARGE_LLM, why: 'the larger model: a GPU with 16-bit floats and 8 GiB or more' }
}

/** Slower than this (~8 tokens a second) an answer is written slower than it is spoken. */
export const SLOW_MS_PER_TOKEN = 125

const SPEED_KEY = 'parley.llm-speed.v1'

/** Each on-device model's measured time per token on this device (ms), kept in localStorage. */
export function loadSpeeds(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Record<string, number> {
  try {
    const raw = JSON.parse(storage?.getItem(SPEED_KEY) ?? '{}') as Record<string, unknown>
    return Object.fromEntries(Object.entries(raw).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0))
  } catch {
    return {}
  }
}

/** A new measurement, folded into the last ones (the first answers of a model are its benchmark). */
export function recordSpeed(speeds: Record<string, number>, id: string, msPerToken: number, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): Record<string, number> {
  const before = speeds[id]
  const next = { ...speeds, [id]: before === undefined ? msPerToken : before * 0.7 + msPerToken * 0.3 }
  storage?.setItem(SPEED_KEY, JSON.stringify(next))
  return next
}

/** About how much memory a model needs to run (its 4-bit weights, the runtime and a 4k-token cache), GiB. */
const NEEDS_GIB: Record<string, number> = { [SMALL_LLM]: 1.5, [LARGE_LLM]: 3.5 }

/**
 * A model too large for what the device says it has (navigator.deviceMemory, which browsers round
 * down and cap at 8): the reason, or null when it fits or nothing is known.
 */
export function tooLarge(id: string, device: DeviceCapabilities | undefined): string | null {
  const needs = NEEDS_GIB[id]
  const has = device?.memoryGiB
  if (!needs || !has || has >= needs * 1.5) return null
  return `${id.split('/').pop()} needs about ${needs} GiB of memory and this device reports ${has} GiB: choose the smaller model`
}
