/** One server-sent event: `event` defaults to "message" as in the EventSource spec. */
export interface SseEvent {
  event: string
  data: string
}

/**
 * Incremental SSE parser: feed it text as it arrives, get back the events completed so far.
 * Pure (no I/O), so partial lines and frames split across network chunks are unit-testable.
 */
export class SseParser {
  private buffer = ''
  private event = ''
  private data: string[] = []

  push(text: string): SseEvent[] {
    this.buffer += text
    const out: SseEvent[] = []
    let nl: number
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A CR at the very end may be the first half of a CRLF split across chunks: wait for more.
      if (nl === this.buffer.length - 1 && this.buffer[nl] === '\r' && text !== '') break
      const line = this.buffer.slice(0, nl)
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1))
      if (line === '') {
        if (this.data.length) out.push({ event: this.event || 'message', data: this.data.join('\n') })
        this.event = ''
        this.data = []
        continue
      }
      if (line.startsWith(':')) continue // comment / keep-alive
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      let value = colon < 0 ? '' : line.slice(colon + 1)
      if (value.startsWith(' ')) value = value.slice(1)
      if (field === 'event') this.event = value
      else if (field === 'data') this.data.push(value)
    }
    return out
  }
}

/** Reads a fetch body as a stream of SSE events. */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = new SseParser()
  const decoder = new TextDecoder()
  const reader = body.getReader()
  let finished = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      yield* parser.push(decoder.decode(value, { stream: true }))
    }
    finished = true
    yield* parser.push(decoder.decode() + '\n\n')
  } finally {
    // A consumer that stops early (at [DONE]) must not leave the connection open.
    if (!finished) void reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}
