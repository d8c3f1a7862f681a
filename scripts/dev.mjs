// npm run dev: the relay (restarted on change) and Vite with HMR, /api proxied to the relay.
// One command, two processes; Ctrl-C (or either one dying) stops both.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { bin, envFileArgs, root } from './lib.mjs'

// tsx's CLI run by this Node, so --env-file applies to it and to the relay it restarts.
const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs')

const children = [
  spawn(process.execPath, [...envFileArgs(), tsxCli, 'watch', '--clear-screen=false', 'relay/node.ts'], { cwd: root, stdio: 'inherit' }),
  spawn(bin('vite'), ['--clearScreen', 'false'], { cwd: root, stdio: 'inherit' }),
]

let stopping = false
function stopAll(code) {
  if (stopping) return
  stopping = true
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM')
  setTimeout(() => process.exit(code), 300).unref()
}
for (const c of children) c.on('exit', (code) => stopAll(code ?? 0))
process.on('SIGINT', () => stopAll(0))
process.on('SIGTERM', () => stopAll(0))
