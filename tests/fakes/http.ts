import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** What every fake upstream needs: JSON answers and whole request bodies. */
export function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * The controls for tests in other processes (Playwright workers), where tests in this one call
 * `next()` and read `requests`: POST /__control/scenario queues one scenario or a list, GET
 * /__control/requests lists what the fake received. Answers, and says so, when it is one of them.
 */
export function answerControl(res: ServerResponse, path: string, raw: string, queue: unknown[], requests: readonly unknown[]): boolean {
  if (path === '/__control/scenario') {
    const s = JSON.parse(raw) as unknown
    queue.push(...(Array.isArray(s) ? s : [s]))
    json(res, 200, { queued: queue.length })
  } else if (path === '/__control/requests') json(res, 200, requests)
  else return false
  return true
}

export type ServedFake<S> = Awaited<ReturnType<typeof serveFake<S>>>

/** A fake upstream listening on loopback (port 0: a free one), with what every fake's tests use. */
export async function serveFake<S>(server: Server, port: number | undefined, queue: S[], requests: unknown[]) {
  await new Promise<void>((r) => server.listen(port ?? 0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    /** The OpenAI-style base URL, `<url>/v1`. */
    baseUrl: `${url}/v1`,
    next: (...s: S[]) => void queue.push(...s),
    reset() {
      queue.length = 0
      requests.length = 0
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
