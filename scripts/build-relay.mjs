// Compiles the Node relay to one plain-JS file (build/relay.mjs) so production runs without a
// TypeScript loader in the process (tsx costs ~40 MB of RSS). Packages stay external.
import { build } from 'rolldown'
import { root } from './lib.mjs'

export async function buildRelay() {
  await build({
    cwd: root,
    input: 'relay/node.ts',
    platform: 'node',
    external: [/^[^./]/],
    logLevel: 'warn',
    output: { file: 'build/relay.mjs', format: 'esm', sourcemap: true },
  })
}

if (import.meta.url === `file://${process.argv[1]}`) await buildRelay()
