/** Where models are served (no imports: the main thread uses these too). */

/** Self-hosted models (the relay serves models/ there; so does `npm run dev`). */
export const MODELS_PATH = '/models/'
/** Where a model not on this server comes from, when downloads are allowed. */
export const HUB = 'https://huggingface.co/'
