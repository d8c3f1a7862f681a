/**
 * RESP, the Redis wire format (version 2): commands out as arrays of bulk strings, replies in.
 * Runtime-free: bytes in, values out.
 */
export type Reply = string | number | null | Reply[]

const encoder = new TextEncoder()

/** One command, e.g. `['INCR', 'k']`, as the bytes Redis reads. */
export function respCommand(args: readonly (string | number)[]): Uint8Array {
  let text = `*${args.length}\r\n`
  for (const arg of args) {
    const s = String(arg)
    text += `$${encoder.encode(s).byteLength}\r\n${s}\r\n`
  }
  return encoder.encode(text)
}

const CR = 13
const decoder = new TextDecoder()

/**
 * The reply starting at `at`: its value (an Error for an error reply) and where the next one
 * starts, or undefined when it has not all arrived yet. Throws on bytes that are not RESP.
 */
export function parseReply(buf: Uint8Array, at: number): [Reply | Error, number] | undefined {
  let end = at
  while (end + 1 < buf.length && !(buf[end] === CR && buf[end + 1] === 10)) end++
  if (end + 1 >= buf.length) return undefined
  const line = decoder.decode(buf.subarray(at + 1, end))
  const next = end + 2
  switch (buf[at]) {
    case 0x2b: // + simple string
      return [line, next]
    case 0x2d: // - error
      return [new Error(line), next]
    case 0x3a: // : integer
      return [Number(line), next]
    case 0x24: {
      // $ bulk string
      const n = Number(line)
      if (n < 0) return [null, next]
      if (buf.length < next + n + 2) return undefined
      return [decoder.decode(buf.subarray(next, next + n)), next + n + 2]
    }
    case 0x2a: {
      // * array
      const n = Number(line)
      if (n < 0) return [null, next]
      const items: Reply[] = []
      let p = next
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, p)
        if (!item) return undefined
        if (item[0] instanceof Error) throw item[0]
        items.push(item[0])
        p = item[1]
      }
      return [items, p]
    }
    default:
      throw new Error(`not a Redis reply (byte ${buf[at]})`)
  }
}
