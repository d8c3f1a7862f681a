import type { MiddlewareHandler } from 'hono'

/** Hosts the app may download on-device models from, when the user allows it (the Hugging Face hub and its CDNs). */
const MODEL_HOSTS = ['https://huggingface.co', 'https://*.huggingface.co', 'https://*.hf.co']

/**
 * The page may run only what it needs: its own scripts and workers, WebAssembly (compiled from its
 * own files), connections to this relay (HTTP and WebSocket) and, for on-device models, the model
 * host. Nothing may frame it. Every response says nosniff and sends no referrer.
 */
export function contentSecurityPolicy(options: { modelHosts?: readonly string[] } = {}): string {
  const hosts = (options.modelHosts ?? MODEL_HOSTS).join(' ')
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    `connect-src 'self' ${hosts}`.trim(),
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "style-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function securityHeaders(options: { modelHosts?: readonly string[] } = {}): MiddlewareHandler {
  const csp = contentSecurityPolicy(options)
  return async function headers(c, next) {
    await next()
    c.res.headers.set('x-content-type-options', 'nosniff')
    c.res.headers.set('referrer-policy', 'no-referrer')
    if (c.res.headers.get('content-type')?.startsWith('text/html')) {
      c.res.headers.set('content-security-policy', csp)
      c.res.headers.set('permissions-policy', 'microphone=(self), camera=(), geolocation=()')
      c.res.headers.set('cross-origin-opener-policy', 'same-origin')
    }
  }
}
