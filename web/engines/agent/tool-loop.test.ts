import { describe, expect, it } from 'vitest'
import { MAX_TOOL_STEPS, type AgentTools } from './agent.ts'
import { answerWithTools, ToolCallDeltas, type ChatMessage, type Step, type StepOutput, type ToolOffer } from './tool-loop.ts'

/** A scripted model: each request gets the next round's outputs, and the requests are kept. */
function scripted(rounds: StepOutput[][]) {
  const asked: { continuation: ChatMessage[]; offer: ToolOffer }[] = []
  const step: Step = async function* (continuation, offer) {
    asked.push({ continuation: [...continuation], offer })
    for (const out of rounds[asked.length - 1] ?? ['(no more rounds)']) yield out
  }
  return { step, asked }
}

const collect = async (it: AsyncIterable<string>) => {
  let text = ''
  for await (const piece of it) text += piece
  return text
}

const tools = (run: AgentTools['run'] = async (c) => JSON.stringify({ ran: c.name })): AgentTools => ({ definitions: [{ name: 'get_time', description: 't', parameters: {} }], run })

describe('answerWithTools', () => {
  it('runs the calls, gives the model their results and goes on; the rounds are joined with a space', async () => {
    const model = scripted([['Let me look.', { calls: [{ id: 'c1', name: 'get_time', arguments: '{}' }] }], ['It is noon.']])
    const text = await collect(answerWithTools(model.step, tools(), new AbortController().signal))
    expect(text).toBe('Let me look. It is noon.')
    expect(model.asked.map((a) => a.offer)).toEqual(['auto', 'auto'])
    expect(model.asked[1]!.continuation).toEqual([
      { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_time', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '{"ran":"get_time"}' },
    ])
  })

  it('runs parallel calls side by side and answers each by its id', async () => {
    const started: string[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const run: AgentTools['run'] = async (c) => {
      started.push(c.id)
      if (started.length === 2) release()
      await gate
      return c.id
    }
    const model = scripted([[{ calls: [{ id: 'a', name: 'get_time', arguments: '' }, { id: 'b', name: 'get_time', arguments: '' }] }], ['Done.']])
    expect(await collect(answerWithTools(model.step, tools(run), new AbortController().signal))).toBe('Done.')
    expect(model.asked[1]!.continuation.slice(1)).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'a' },
      { role: 'tool', tool_call_id: 'b', content: 'b' },
    ])
  })

  it(`stops offering tools after ${MAX_TOOL_STEPS} rounds: the model must answer in words`, async () => {
    const call = { calls: [{ id: 'x', name: 'get_time', arguments: '{}' }] }
    const model = scripted([...Array.from({ length: MAX_TOOL_STEPS }, () => [call]), ['Finally.', call]])
    const text = await collect(answerWithTools(model.step, tools(), new AbortController().signal))
    expect(text).toBe('Finally.')
    expect(model.asked.map((a) => a.offer)).toEqual([...Array(MAX_TOOL_STEPS).fill('auto'), 'none'])
  })

  it('asks without tools when there are none', async () => {
    const model = scripted([['Hi.']])
    expect(await collect(answerWithTools(model.step, undefined, new AbortController().signal))).toBe('Hi.')
    expect(model.asked[0]!.offer).toBe('off')
  })

  it('a stop during a tool step ends the answer there: no further request', async () => {
    const stop = new AbortController()
    const run: AgentTools['run'] = async (_c, signal) => {
      stop.abort()
      signal.throwIfAborted()
      return ''
    }
    const model = scripted([['One moment.', { calls: [{ id: 'c', name: 'get_time', arguments: '{}' }] }], ['never']])
    await expect(collect(answerWithTools(model.step, tools(run), stop.signal))).rejects.toMatchObject({ name: 'AbortError' })
    expect(model.asked).toHaveLength(1)
  })
})

describe('ToolCallDeltas', () => {
  it('gathers calls streamed in fragments, in index order, giving an id to a call without one; a name repeated is one name', () => {
    const d = new ToolCallDeltas()
    d.add([{ index: 1, id: 'call_b', function: { name: 'remember', arguments: '' } }])
    d.add([{ index: 0, function: { name: 'get_time', arguments: '{' } }])
    d.add([{ index: 1, function: { arguments: '{"note":' } }, { index: 0, function: { arguments: '}' } }])
    d.add([{ index: 1, function: { arguments: '"tea"}' } }])
    d.add([{ index: 1, function: { name: 'remember' } }])
    expect(d.calls()).toEqual([
      { id: expect.stringMatching(/^call_\w+_0$/), name: 'get_time', arguments: '{}' },
      { id: 'call_b', name: 'remember', arguments: '{"note":"tea"}' },
    ])
  })
})
