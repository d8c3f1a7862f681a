import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeFetch } from './fetch.ts'

// A real upstream on loopback that drops a request, unanswered, by the rule a test gives it — as
// a server does that closes an idle keep-alive connection just as the next request is written.
async function upstream(drop: (servedOnSocket: number) => boolean) {
  const bodies: string[] = []
  const served = new WeakMap<object, number>()
  const server = http.createServer((req, res) => {
    const before = served.get(req.socket) ?? 0
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      bodies.push(body)
      if (drop(before)) return req.socket.destroy()
      served.set(req.socket, before + 1)
      res.end(`answer ${bodies.length}`)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`
  return { url, bodies, close: () => new Promise((resolve) => server.close(resolve)).finally(() => server.closeAllConnections()) }
}

let close: (() => Promise<unknown>) | undefined
afterEach(async () => close?.())

describe('the relay’s upstream fetch on Node', () => {
  it('sends a request once more when a reused keep-alive connection dies before any answer', async () => {
    const server = await upstream((servedOnSocket) => servedOnSocket > 0)
    close = server.close
    const fetch = createNodeFetch()
    const first = await fetch(server.url, { method: 'POST', body: 'one' })
    expect(await first.text()).toBe('answer 1')
    // The first answer's connection went back to the pool: the next request is written on it.
    const second = await fetch(server.url, { method: 'POST', body: 'two' })
    expect(second.status).toBe(200)
    expect(await second.text()).toBe('answer 3')
    expect(server.bodies).toEqual(['one', 'two', 'two'])
  })

  it('never sends twice a request that had a connection of its own', async () => {
    const server = await upstream(() => true)
    close = server.close
    const error = await createNodeFetch()(server.url, { method: 'POST', body: 'one' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TypeError)
    expect((error as TypeError).message).toBe('fetch failed')
    expect(server.bodies).toEqual(['one'])
  })

  it('does not send again a request its caller aborted', async () => {
    const server = await upstream(() => false)
    close = server.close
    const aborted = new AbortController()
    aborted.abort()
    await expect(createNodeFetch()(server.url, { method: 'POST', body: 'one', signal: aborted.signal })).rejects.toThrow()
    expect(server.bodies).toEqual([])
  })
})
