import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

function startRelayProcess(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/node.ts'], { cwd: root, env: { PATH: process.env.PATH!, ...env } })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill(), 10_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
}

it('a bad setting stops start-up with a message naming the variable and what it expects', async () => {
  const { code, stderr } = await startRelayProcess({ PORT: 'eighty', LLM_BASE_URL: 'localhost:11434', LLM_API_KEY: 'sk-must-not-be-printed-123456' })
  expect(code).toBe(2)
  expect(stderr).toContain('PORT: expected a port number')
  expect(stderr).toContain('LLM_BASE_URL: expected an http:// or https:// URL')
  expect(stderr).toContain('.env.example')
  expect(stderr).not.toContain('sk-must-not-be-printed')
})
