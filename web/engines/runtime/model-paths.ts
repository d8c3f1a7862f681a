/** Where models and their runtime are served (no imports: the main thread uses these too). */

/** Self-hosted models (the relay serves models/ there; so does `npm run dev`). */
export const MODELS_PATH = '/models/'
/** transformers.js's own ONNX Runtime build, served by the app instead of a CDN. */
export const TRANSFORMERS_ORT_PATH = '/vendor/ort-transformers/'
/** Where a model not on this server comes from, when downloads are allowed. */
export const HUB = 'https://huggingface.co/'
