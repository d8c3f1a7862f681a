import { expect, it } from 'vitest'
import { relaySocketUrl, relayUrl } from './relay-url.ts'

it('uses the page origin unless the build names a relay, and makes WebSocket URLs from it', () => {
  expect(relayUrl('/api/config', '', 'http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787/api/config')
  expect(relayUrl('/api/config', 'https://relay.example.com/', 'https://static.example.com')).toBe('https://relay.example.com/api/config')
  expect(relaySocketUrl('/api/v1/avatar/demo', 'https://relay.example.com', 'https://static.example.com')).toBe('wss://relay.example.com/api/v1/avatar/demo')
  expect(relaySocketUrl('/api/v1/avatar/demo', '', 'http://127.0.0.1:8787')).toBe('ws://127.0.0.1:8787/api/v1/avatar/demo')
})
