/**
 * The relay on Node (runtime/node/): run directly (`tsx relay/node.ts`, or the compiled
 * build/relay.mjs) it reads the environment and listens on HOST:PORT, serving the built SPA.
 */
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { RelayConfig } from './config.ts'
import { main } from './runtime/node/main.ts'
import { serveRelay, type NodeRelayOptions, type RunningRelay } from './runtime/node/server.ts'

export type { RunningRelay }

// Resolved here, one folder below the root, so they are the same from the source and from the
// bundle (build/relay.mjs), where every module's import.meta.url is the bundle's.
export const DEFAULT_DIST = fileURLToPath(new URL('../dist', import.meta.url))
/** Self-hosted on-device models (models/<id>/…), served at /models/. */
export const DEFAULT_MODELS = fileURLToPath(new URL('../models', import.meta.url))

export function startRelay(config: RelayConfig, options: NodeRelayOptions = {}): Promise<RunningRelay> {
  return serveRelay(config, { ...options, distDir: options.distDir === undefined ? DEFAULT_DIST : options.distDir, modelsDir: options.modelsDir ?? DEFAULT_MODELS })
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) void main(startRelay)
