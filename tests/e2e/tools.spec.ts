// An assistant that acts, in real Chromium: the fake LLM calls tools the way OpenAI streams them,
// the browser's agent loop runs them (the face's expression, notes, the time, the operator's MCP
// tools through the real relay to a real MCP server built with the official SDK) and goes on with
// their results; chips in the transcript and the session log say what was done.
import { expect, test, type Browser, type Page } from '@playwright/test'
import type { RecordedRequest } from '../fakes/llm-upstream.ts'
import { startMcpServer, type McpTestServer } from '../fakes/mcp-server.ts'
import { browserWithMic, fakeLlm, startVoiceRelay } from './stack.ts'

type Lab = Record<string, (...a: never[]) => unknown>
type Message = { role: string; content?: string | null; tool_calls?: { id: string; function: { name: string; arguments: string } }[]; tool_call_id?: string }

let voice: Awaited<ReturnType<typeof startVoiceRelay>>
let mcp: McpTestServer
let browser: Browser | undefined
/** The relay's log lines (one per tool call, with its outcome). */
const relayLog: Record<string, unknown>[] = []
test.beforeAll(async () => {
  mcp = await startMcpServer()
  // A slow tool runs far longer than a barge-in takes, even on a loaded machine.
  voice = await startVoiceRelay({ PARLEY_MCP_SERVERS: JSON.stringify([{ name: 'shop', url: mcp.url, tools: ['lookup_order', 'slow'] }]) }, { limits: { toolCallMs: 60_000 }, log: (e) => relayLog.push(e) })
})
test.afterAll(async () => {
  await voice.close()
  await mcp.close()
})
test.beforeEach(() => fakeLlm.reset())
test.afterEach(async () => {
  await browser?.close()
  browser = undefined
})
test.setTimeout(60_000)

const messagesOf = (r: RecordedRequest) => (r.body!.messages as Message[]) ?? []
const toolNames = (r: RecordedRequest) => ((r.body!.tools as { function: { name: string } }[] | undefined) ?? []).map((t) => t.function.name)
const lastAssistant = (page: Page) => page.getByTestId('message-assistant').last()

async function openApp(page: Page, settings: Record<string, unknown> = {}) {
  await page.addInitScript((s) => localStorage.setItem('parley.settings.v1', JSON.stringify(s)), settings)
  await page.goto(voice.url)
  await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
  // The face is on screen: set_expression is offered with what its bundle shows.
  await expect(page.locator('.stage__face--ready')).toBeVisible({ timeout: 15_000 })
}

async function ask(page: Page, text: string) {
  await page.getByTestId('composer').fill(text)
  await page.getByTestId('composer').press('Enter')
}

const lab = <T>(page: Page, name: string, ...args: unknown[]) =>
  page.evaluate(([n, a]) => (window as unknown as { parleySessionLab: Lab }).parleySessionLab[n as string]!(...(a as never[])), [name, args] as const) as Promise<T>

test('"tell me something sad": the model calls set_expression and the face looks sad while it speaks', async ({ page }) => {
  await page.goto(`${voice.url}/lab/session.html`)
  await expect(page.locator('body')).toHaveAttribute('data-ready', 'true')
  await page.evaluate(() => (window as unknown as { parleySessionLab: Lab }).parleySessionLab.create!({} as never))
  await lab(page, 'ready')
  const sad = 'The old dog waited by the door every evening, long after his friend had gone. He never stopped hoping.'
  await fakeLlm.next({ kind: 'tool-calls', calls: [{ name: 'set_expression', arguments: '{"expression":"sad","intensity":0.9}' }] }, { kind: 'reply', text: sad, chunkDelayMs: 5 })
  await lab(page, 'send', 'Tell me something sad')

  // While the answer is heard, the face's pose shows the expression, nearly at full strength.
  await expect.poll(() => lab<string>(page, 'phase'), { timeout: 15_000 }).toBe('speaking')
  const during = await lab<{ expression?: { name: string; weight: number } }>(page, 'faceStats')
  expect(during.expression?.name).toBe('sad')
  expect(during.expression!.weight).toBeGreaterThan(0.5)

  // The model was offered the avatar's expressions, and told the call was done before it went on.
  const [first, second] = await fakeLlm.requests()
  const offered = (first!.body!.tools as { function: { name: string; parameters: { properties: { expression: { enum: string[] } } } } }[]).find((t) => t.function.name === 'set_expression')!
  expect(offered.function.parameters.properties.expression.enum).toEqual(expect.arrayContaining(['neutral', 'happy', 'sad', 'surprised', 'thinking', 'concerned', 'amused']))
  const answered = messagesOf(second!)
  const call = answered.at(-2)!.tool_calls![0]!
  expect(call.function).toEqual({ name: 'set_expression', arguments: '{"expression":"sad","intensity":0.9}' })
  expect(answered.at(-1)).toEqual({ role: 'tool', tool_call_id: call.id, content: '{"shown":"sad"}' })

  const messages = await lab<{ role: string; text: string; tools?: { label: string; status: string }[] }[]>(page, 'messages')
  expect(messages.at(-1)!.tools).toEqual([expect.objectContaining({ label: 'expression: sad', status: 'done' })])
  await lab(page, 'idle')
  const log = await lab<{ turns: { tools: { name: string; arguments: string; result: unknown; ok: boolean; ms: number }[] }[] }>(page, 'log')
  expect(log.turns[0]!.tools).toEqual([expect.objectContaining({ name: 'set_expression', arguments: '{"expression":"sad","intensity":0.9}', result: { shown: 'sad' }, ok: true })])
})

test("an operator's MCP tool is used in an answer: listed by the relay, called through it, its result in the model's next request", async ({ page }) => {
  await openApp(page, { speakAnswers: false })
  await fakeLlm.next({ kind: 'tool-calls', calls: [{ name: 'shop__lookup_order', arguments: '{"order":"4411"}' }] }, { kind: 'reply', text: 'Your order 4411 shipped on the 28th of November, by parcel.' })
  await ask(page, 'Where is my order 4411?')

  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done', { timeout: 15_000 })
  await expect(lastAssistant(page).getByTestId('tool-chip')).toHaveText(/lookup_order: Order 4411 shipped/)
  await expect(lastAssistant(page).locator('.message__text')).toHaveText('Your order 4411 shipped on the 28th of November, by parcel.')

  const [first, second] = await fakeLlm.requests()
  // Offered beside the built-ins; the allow-list keeps the rest of the server's tools away.
  expect(toolNames(first!)).toEqual(expect.arrayContaining(['set_expression', 'get_time', 'remember', 'recall', 'forget', 'shop__lookup_order', 'shop__slow']))
  // Answers are not spoken here: no voice to set.
  expect(toolNames(first!)).not.toContain('set_speaking_rate')
  expect(toolNames(first!)).not.toContain('shop__secret_tool')
  expect(messagesOf(second!).at(-1)!.content).toMatch(/Order 4411 shipped on 2026-11-28 by parcel/)
  // The MCP server saw the call, with the arguments the model wrote.
  expect(mcp.calls.at(-1)).toMatchObject({ tool: 'lookup_order', arguments: { order: '4411' } })
})

test('the loop is bounded, parallel calls and bad arguments are handled, and a model without tools is asked again without them', async ({ page }) => {
  await openApp(page, { speakAnswers: false })
  const round = { kind: 'tool-calls' as const, calls: [{ name: 'get_time', arguments: '{}' }, { name: 'set_expression', arguments: '{"expression":' }] }
  await fakeLlm.next(round, round, round, round, { kind: 'reply', text: 'It is about time I answered.' })
  await ask(page, 'What time is it?')
  await expect(lastAssistant(page)).toHaveAttribute('data-status', 'done', { timeout: 15_000 })
  const requests = await fakeLlm.requests()
  expect(requests).toHaveLength(5)
  expect(requests.slice(0, 4).map((r) => r.body!.tool_choice)).toEqual(['auto', 'auto', 'auto', 'auto'])
  expect(requests[4]!.body!.tool_choice).toBe('none')
  // Each round's two calls were answered, by id, with the bad one told what was wrong.
  const last = messagesOf(requests[4]!)
  const answers = last.filter((m) => m.role === 'tool')
  expect(answers).toHaveLength(8)
  expect(answers.filter((m) => /not valid JSON/.test(m.content ?? ''))).toHaveLength(4)
  // Four rounds of the same two calls: each shown once, counted (the time's chip twice if the minute turned meanwhile).
  const chips = lastAssistant(page).getByTestId('tool-chip')
  const texts = await chips.allTextContents()
  const count = (t: string) => Number(/×(\d+)$/.exec(t)?.[1] ?? 1)
  expect(texts.filter((t) => /^time: \d\d:\d\d/.test(t)).reduce((n, t) => n + count(t), 0)).toBe(4)
  expect(texts).toContain('set_expression: bad arguments ×4')
  await expect(chips.filter({ hasText: 'set_expression: bad arguments' })).toHaveAttribute('data-status', 'failed')

  // A model that cannot call tools: the relay says so, the agent asks again without them and stops offering them.
  await fakeLlm.reset()
  await fakeLlm.next({ kind: 'status', status: 400, body: { error: { message: 'registry.ollama.ai/library/llama2:latest does not support tools', type: 'api_error', param: null, code: null } } }, { kind: 'reply', text: 'Hello without tools.' }, { kind: 'reply', text: 'Still fine.' })
  await ask(page, 'Hi')
  await expect(lastAssistant(page).locator('.message__text')).toHaveText('Hello without tools.', { timeout: 15_000 })
  await ask(page, 'Again')
  await expect(lastAssistant(page).locator('.message__text')).toHaveText('Still fine.', { timeout: 15_000 })
  const [refused, retried, later] = await fakeLlm.requests()
  expect(toolNames(refused!).length).toBeGreaterThan(0)
  expect(retried!.body!.tools).toBeUndefined()
  expect(later!.body!.tools).toBeUndefined()
})

test('speaking during a slow tool step cancels the turn cleanly: the tool call is dropped, nothing continues it, the new words are answered', async () => {
  browser = await browserWithMic('speech.wav')
  const page = await browser.newPage()
  await openApp(page, { speakAnswers: false })
  await fakeLlm.next({ kind: 'tool-calls', calls: [{ name: 'shop__slow', arguments: '{}' }] }, { kind: 'reply', text: 'A fresh answer to what you said.' })
  await ask(page, 'Look something up slowly')
  await expect(lastAssistant(page).getByTestId('tool-chip')).toHaveAttribute('data-status', 'running', { timeout: 10_000 })

  // The user speaks (the fake microphone plays speech.wav): their words take the turn.
  await page.getByTestId('mic-toggle').click()
  await expect(page.getByTestId('message-user')).toHaveCount(2, { timeout: 30_000 })
  const first = page.getByTestId('message-assistant').first()
  await expect(first).toHaveAttribute('data-status', 'stopped')
  await expect(lastAssistant(page).locator('.message__text')).toHaveText('A fresh answer to what you said.', { timeout: 15_000 })

  const requests = await fakeLlm.requests()
  expect(requests).toHaveLength(2)
  // The second request is the new turn's: no tool result of the cancelled one reached the model.
  expect(messagesOf(requests[1]!).some((m) => m.role === 'tool')).toBe(false)
  // The relay let go of the MCP call when the browser did (not at a timeout), and told the server to stop.
  await expect.poll(() => relayLog.some((e) => e.msg === 'tool call' && e.tool === 'slow' && e.outcome === 'client_closed'), { timeout: 10_000 }).toBe(true)
  await expect.poll(() => mcp.calls.find((c) => c.tool === 'slow')?.cancelled, { timeout: 10_000 }).toBe(true)
})

test('remember keeps a note in this browser: Settings lists it, later requests carry it, and deleting it there removes it', async ({ page }) => {
  await openApp(page, { speakAnswers: false })
  await fakeLlm.next({ kind: 'tool-calls', calls: [{ name: 'remember', arguments: '{"note":"Prefers green tea, no sugar"}' }] }, { kind: 'reply', text: 'Noted: green tea, no sugar.' })
  await ask(page, 'Remember that I like green tea without sugar')
  await expect(lastAssistant(page).getByTestId('tool-chip')).toHaveText('noted: Prefers green tea, no sugar', { timeout: 15_000 })

  // After a reload (a later session), the model is told the note.
  await page.reload()
  await expect(page.getByTestId('agent-badge')).toContainText('fake-model')
  await fakeLlm.reset()
  await fakeLlm.next({ kind: 'reply', text: 'Green tea it is.' })
  await ask(page, 'What do I drink?')
  await expect(lastAssistant(page).locator('.message__text')).toHaveText('Green tea it is.', { timeout: 15_000 })
  expect(messagesOf((await fakeLlm.requests())[0]!)[0]!.content).toMatch(/Notes you kept about the user[\s\S]*Prefers green tea, no sugar/)

  await page.getByTestId('open-settings').click()
  const notes = page.getByTestId('notes')
  await expect(notes).toContainText('Prefers green tea, no sugar')
  await notes.getByRole('button', { name: /Delete the note/ }).click()
  await expect(page.getByTestId('notes-empty')).toBeVisible()
  await page.keyboard.press('Escape')

  await fakeLlm.reset()
  await fakeLlm.next({ kind: 'reply', text: 'I do not know.' })
  await ask(page, 'And now?')
  await expect(lastAssistant(page).locator('.message__text')).toHaveText('I do not know.', { timeout: 15_000 })
  expect(messagesOf((await fakeLlm.requests())[0]!)[0]!.content).not.toMatch(/green tea/)
})
