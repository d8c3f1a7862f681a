/**
 * The relay on Cloudflare Workers (runtime/workers/): wrangler.toml's entry. The Durable Object
 * class is exported by name, as Workers requires, for the RATE_LIMITS binding.
 */
import { workerHandler } from './runtime/workers/handler.ts'

export { RateCounter } from './runtime/workers/durable-rate-store.ts'
export default workerHandler
