/** The service worker (web/sw.ts, built with the app): registered once the page has loaded. */
export const SW_URL = '/sw.js'

export const serviceWorkerSupported = () => typeof navigator !== 'undefined' && 'serviceWorker' in navigator

/** Registers the service worker of a built app (the dev server has none). */
export function registerServiceWorker(): Promise<ServiceWorkerRegistration | null> {
  if (!import.meta.env.PROD || !serviceWorkerSupported()) return Promise.resolve(null)
  return navigator.serviceWorker.register(SW_URL, { scope: '/' }).catch((err: unknown) => {
    console.warn('Parley: the service worker could not be registered; the app will not work offline.', err)
    return null
  })
}

/**
 * A private session runs only under the service worker's policy. The first time (no worker yet
 * controls the page) it is installed and the page is loaded again under it; nothing of the
 * session starts before. 'unsupported': this browser or address has no service workers (plain
 * http other than localhost, some private windows), so the policy cannot be enforced.
 */
export async function underServiceWorker(): Promise<'controlled' | 'reloading' | 'unsupported'> {
  if (!serviceWorkerSupported()) return 'unsupported'
  if (navigator.serviceWorker.controller) return 'controlled'
  const registration = await registerServiceWorker()
  if (!registration) return 'unsupported'
  await navigator.serviceWorker.ready
  if (!navigator.serviceWorker.controller) {
    await new Promise<void>((resolve) => {
      navigator.serviceWorker.addEventListener('controllerchange', () => resolve(), { once: true })
      setTimeout(resolve, 3000)
    })
  }
  location.reload()
  return 'reloading'
}
