/** Where models are served (only the tiny relay-url helper imported: the main thread uses these too). */
import { relayUrl } from '../../lib/relay-url.ts'

/** Self-hosted models (the relay serves models/ there; so does `npm run dev`). */
export const MODELS_PATH = '/models/'
/** Where a model not on this server comes from, when downloads are allowed. */
export const HUB = 'https://huggingface.co/'

/**
 * The URL of a self-hosted model's file (`<id>/<file>`): on the relay, which is another origin
 * when the app is built for a static host (VITE_PARLEY_RELAY_URL), the page's own otherwise.
 */
export const modelUrl = (file: string) => relayUrl(`${MODELS_PATH}${file}`)
