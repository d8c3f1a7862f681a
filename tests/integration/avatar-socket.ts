import { WebSocket } from 'ws'

export type Received = { kind: 'text'; message: Record<string, any> } | { kind: 'video'; frames: number; data: Buffer }

/** A browser-like client of WS /api/v1/avatar/:model: collects what the relay sends. */
export async function avatarSocket(url: string, options: { protocols?: string[]; origin?: string } = {}) {
  const ws = new WebSocket(url, options.protocols ?? ['parley'], { headers: options.origin ? { origin: options.origin } : {} })
  const received: Received[] = []
  let closed: { code: number; reason: string } | undefined
  const waiters: (() => void)[] = []
  const wake = () => waiters.splice(0).forEach((w) => w())
  ws.on('message', (data: Buffer, binary) => {
    received.push(binary ? { kind: 'video', frames: data.readUInt32LE(4), data } : { kind: 'text', message: JSON.parse(data.toString()) })
    wake()
  })
  ws.on('close', (code, reason) => {
    closed = { code, reason: reason.toString() }
    wake()
  })
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('unexpected-response', (_q, res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, body })))
    })
    ws.once('error', reject)
  })
  /** Waits until `test` holds for what arrived (or the socket closed), up to `ms`. */
  const until = async (test: () => boolean, ms = 3000) => {
    const end = Date.now() + ms
    while (!test()) {
      if (Date.now() > end) throw new Error(`timed out; received: ${JSON.stringify(received.map((r) => (r.kind === 'text' ? r.message : `VIDX×${r.frames}`)))}`)
      await new Promise<void>((r) => {
        waiters.push(r)
        setTimeout(r, 50)
      })
    }
  }
  const texts = () => received.flatMap((r) => (r.kind === 'text' ? [r.message] : []))
  const videos = () => received.flatMap((r) => (r.kind === 'video' ? [r] : []))
  return {
    ws,
    received,
    texts,
    videos,
    closed: () => closed,
    until,
    send: (m: unknown) => ws.send(JSON.stringify(m)),
    /** An AUDI chunk of `samples` samples of a tone (level 0…1). */
    audio(samples: number, level = 0.3) {
      const b = Buffer.alloc(4 + samples * 2)
      b.write('AUDI', 0, 'latin1')
      for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(Math.sin(i / 5) * 32767 * level), 4 + i * 2)
      ws.send(b)
    },
    async waitFor(type: string, ms?: number) {
      await until(() => texts().some((m) => m.type === type) || Boolean(closed), ms)
      return texts().find((m) => m.type === type)
    },
    close: () => ws.close(),
  }
}
