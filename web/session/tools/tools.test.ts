import { describe, expect, it, vi } from 'vitest'
import { Emitter } from '../../lib/emitter.ts'
import { CUE_INTENSITY, cueFromText, followFeelings } from '../expression-cue.ts'
import { Notes } from '../notes.ts'
import type { StreamMap } from '../streams.ts'
import { expressionTool } from './expression-tool.ts'
import { functionName } from './mcp-tools.ts'
import { memoryTools } from './memory-tools.ts'
import { timeTool } from './time-tool.ts'
import { CALL_MS, MAX_DEFINITION_CHARS, RESULT_CHARS, turnTools, withinBudget } from './toolbox.ts'
import type { Tool } from './tool.ts'
import { voiceTools } from './voice-tools.ts'

const signal = new AbortController().signal
const byName = (tools: Tool[], name: string) => tools.find((t) => t.definition.name === name)!

describe('turnTools', () => {
  const events = () => {
    const bus = new Emitter<StreamMap>()
    const seen: StreamMap['agent.tool'][] = []
    bus.on('agent.tool', (e) => seen.push(e))
    return { bus, seen }
  }
  const turn = { turnId: 't1', assistantId: 'a1' }

  it('runs a call, publishes its start and its outcome, and gives the model the result as JSON', async () => {
    const { bus, seen } = events()
    const tools = turnTools([timeTool(() => new Date('2026-12-01T12:30:00Z'))], turn, bus)!
    const result = JSON.parse(await tools.run({ id: 'c1', name: 'get_time', arguments: '{}' }, signal))
    expect(result.iso).toBe('2026-12-01T12:30:00.000Z')
    expect(seen.map((e) => e.phase)).toEqual(['started', 'done'])
    expect(seen[1]).toMatchObject({ turnId: 't1', assistantId: 'a1', phase: 'done', outcome: { ok: true } })
  })

  it('answers calls the model got wrong with an error it can read: unknown tool, bad JSON, not an object, a tool that throws', async () => {
    const { bus, seen } = events()
    const throws: Tool = { definition: { name: 'boom', description: '', parameters: {} }, run: async () => Promise.reject(new Error('kaput')) }
    const tools = turnTools([timeTool(), throws], turn, bus)!
    expect(JSON.parse(await tools.run({ id: '1', name: 'nope', arguments: '{}' }, signal)).error).toMatch(/no tool named "nope"/)
    expect(JSON.parse(await tools.run({ id: '2', name: 'get_time', arguments: '{"a":' }, signal)).error).toMatch(/not valid JSON/)
    expect(JSON.parse(await tools.run({ id: '3', name: 'get_time', arguments: '[1]' }, signal)).error).toMatch(/JSON object/)
    expect(JSON.parse(await tools.run({ id: '4', name: 'boom', arguments: '' }, signal)).error).toBe('kaput')
    expect(seen.filter((e) => e.phase === 'done').map((e) => e.phase === 'done' && [e.outcome.ok, e.outcome.chip])).toEqual([
      [false, 'nope: unknown'],
      [false, 'get_time: bad arguments'],
      [false, 'get_time: bad arguments'],
      [false, 'boom: failed'],
    ])
  })

  it('a call that hangs is answered after CALL_MS; a huge result is cut down whole; the offer keeps the built-ins within budget', async () => {
    vi.useFakeTimers()
    try {
      const hangs: Tool = { definition: { name: 'hangs', description: '', parameters: {} }, run: () => new Promise(() => {}) }
      const huge: Tool = { definition: { name: 'huge', description: '', parameters: {} }, run: async () => ({ result: { text: 'x'.repeat(100_000) }, chip: 'huge', ok: true }) }
      const tools = turnTools([hangs, huge], turn, new Emitter<StreamMap>())!
      const pending = tools.run({ id: '1', name: 'hangs', arguments: '{}' }, signal)
      await vi.advanceTimersByTimeAsync(CALL_MS)
      expect(JSON.parse(await pending).error).toMatch(/did not finish within 20 s/)
      const cut = await tools.run({ id: '2', name: 'huge', arguments: '{}' }, signal)
      expect(cut.length).toBeLessThanOrEqual(RESULT_CHARS)
      expect(JSON.parse(cut)).toMatchObject({ truncated: true })
    } finally {
      vi.useRealTimers()
    }
    const many = Array.from({ length: 200 }, (_, i): Tool => ({ definition: { name: `t${i}`, description: 'd'.repeat(400), parameters: {} }, run: async () => ({ result: 0, chip: '', ok: true }) }))
    const kept = withinBudget([timeTool(), ...many])
    expect(kept[0]!.definition.name).toBe('get_time')
    expect(JSON.stringify(kept.map((t) => t.definition)).length).toBeLessThanOrEqual(MAX_DEFINITION_CHARS + kept.length)
    expect(kept.length).toBeLessThan(200)
  })

  it('a call stopped mid-run is published as stopped before the turn rejects', async () => {
    const { bus, seen } = events()
    const stop = new AbortController()
    const slow: Tool = { definition: { name: 'slow', description: '', parameters: {} }, run: () => new Promise(() => {}) }
    const run = turnTools([slow], turn, bus)!.run({ id: '1', name: 'slow', arguments: '{}' }, stop.signal)
    stop.abort()
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
    expect(seen.at(-1)).toMatchObject({ phase: 'done', outcome: { ok: false, chip: 'slow: stopped' } })
  })

  it('a stopped turn rejects instead of answering', async () => {
    const stop = new AbortController()
    const slow: Tool = { definition: { name: 'slow', description: '', parameters: {} }, run: async (_a, s) => new Promise((_r, reject) => s.addEventListener('abort', () => reject(s.reason))) }
    const run = turnTools([slow], turn, new Emitter<StreamMap>())!.run({ id: '1', name: 'slow', arguments: '{}' }, stop.signal)
    stop.abort()
    await expect(run).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('built-in tools', () => {
  it('set_expression offers what the face declares, shows it, and refuses what it lacks', async () => {
    const shown: [string, number][] = []
    const face = { expressions: ['happy', 'sad'] as const, setExpression: (e: string, i: number) => (shown.push([e, i]), e === 'surprised' ? { ok: false as const, why: 'not declared' } : { ok: true as const }) }
    const tool = expressionTool(face)
    expect((tool.definition.parameters as { properties: { expression: { enum: string[] } } }).properties.expression.enum).toEqual(['neutral', 'happy', 'sad'])
    expect(await tool.run({ expression: 'sad', intensity: 2 }, signal)).toMatchObject({ ok: true, chip: 'expression: sad' })
    expect(shown).toEqual([['sad', 1]])
    expect(await tool.run({ expression: 'furious' }, signal)).toMatchObject({ ok: false })
    expect(await tool.run({ expression: 'surprised' }, signal)).toMatchObject({ ok: false, result: { error: 'not declared' } })
  })

  it('remember, recall and forget keep short notes and say so in the prompt', async () => {
    const notes = new Notes(() => {})
    const tools = memoryTools(notes)
    expect(await byName(tools, 'remember').run({ note: 'Likes green tea, no sugar' }, signal)).toMatchObject({ ok: true, chip: 'noted: Likes green tea, no sugar' })
    await byName(tools, 'remember').run({ note: 'Has a cat called Miso' }, signal)
    expect(await byName(tools, 'remember').run({ note: '  ' }, signal)).toMatchObject({ ok: false })
    const recalled = await byName(tools, 'recall').run({ query: 'tea' }, signal)
    expect((recalled.result as { notes: { note: string }[] }).notes.map((n) => n.note)).toEqual(['Likes green tea, no sugar'])
    expect(notes.prompt()).toMatch(/Likes green tea[\s\S]*Miso/)
    expect(await byName(tools, 'forget').run({ query: 'cat' }, signal)).toMatchObject({ ok: true, chip: 'forgot: Has a cat called Miso' })
    expect(await byName(tools, 'forget').run({}, signal)).toMatchObject({ ok: false })
    expect(notes.all.map((n) => n.text)).toEqual(['Likes green tea, no sugar'])
  })

  it('set_speaking_rate keeps to 0.5…2; set_voice is offered only with voices to choose from', async () => {
    const changes: unknown[] = []
    const control = { engine: 'Kokoro', voices: [{ id: 'af_heart', name: 'Heart' }, { id: 'am_adam' }], voice: 'af_heart', rate: 1, change: (p: unknown) => changes.push(p) }
    const tools = voiceTools(control)
    expect(await byName(tools, 'set_speaking_rate').run({ rate: 5 }, signal)).toMatchObject({ ok: true, chip: 'speaking rate: 2×' })
    expect(await byName(tools, 'set_voice').run({ voice: 'am_adam' }, signal)).toMatchObject({ ok: true, chip: 'voice: am_adam' })
    expect(await byName(tools, 'set_voice').run({ voice: 'nobody' }, signal)).toMatchObject({ ok: false })
    expect(changes).toEqual([{ rate: 2 }, { voice: 'am_adam' }])
    expect(voiceTools({ ...control, voices: [] }).map((t) => t.definition.name)).toEqual(['set_speaking_rate'])
  })

  it("names an operator's tool within OpenAI's rule", () => {
    expect(functionName({ server: 'crm', name: 'lookup.order' })).toBe('crm__lookup_order')
    expect(functionName({ server: 's', name: 'x'.repeat(80) })).toHaveLength(64)
  })
})

describe('cueFromText', () => {
  it('takes the first feeling word, or none', () => {
    expect(cueFromText("I'm so sorry to hear that. That's wonderful news about the rest, though.")).toBe('sad')
    expect(cueFromText('Congratulations on the new job!')).toBe('happy')
    expect(cueFromText('The capital of Peru is Lima.')).toBeNull()
  })
})

describe('followFeelings', () => {
  const clock = { at: 0, audioMs: 0, playing: true }
  it("keeps the model's expression while the voice goes on, and cues one from the words when the model set none", () => {
    vi.useFakeTimers()
    try {
      const bus = new Emitter<StreamMap>()
      const shown: [string, number][] = []
      const off = followFeelings(bus, { setExpression: (e, i) => shown.push([e, i]) })
      const signal = new AbortController().signal
      bus.emit('turn.started', { turnId: 't1', userId: 'u', assistantId: 'a', text: 'q', source: 'typed', at: 0, signal })
      const call = { id: 'c', name: 'set_expression', arguments: '{"expression":"sad","intensity":0.9}' }
      bus.emit('agent.tool', { turnId: 't1', assistantId: 'a', key: 'k', call, phase: 'started', at: 0 })
      bus.emit('agent.tool', { turnId: 't1', assistantId: 'a', key: 'k', call, phase: 'done', at: 1, startedAt: 0, outcome: { ok: true, chip: 'expression: sad', result: {} } })
      bus.emit('avatar.text', { turnId: 't1', delta: 'Wonderful news. ' })
      vi.advanceTimersByTime(2500)
      bus.emit('avatar.clock', { turnId: 't1', clock })
      bus.emit('avatar.clock', { turnId: 't1', clock })
      // The tool's expression renewed (once per 2 s), no cue over it.
      expect(shown).toEqual([['sad', 0.9]])

      bus.emit('turn.started', { turnId: 't2', userId: 'u', assistantId: 'b', text: 'q', source: 'typed', at: 0, signal })
      bus.emit('avatar.text', { turnId: 't2', delta: 'Congratulations on the' })
      bus.emit('avatar.text', { turnId: 't2', delta: ' new job! More later.' })
      expect(shown.at(-1)).toEqual(['happy', CUE_INTENSITY])
      off()
    } finally {
      vi.useRealTimers()
    }
  })
})
