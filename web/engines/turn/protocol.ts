/** Smart Turn v3 on the hub (pipecat-ai/smart-turn-v3), and its one file: served as models/<id>/<file> when self-hosted. */
export const SMART_TURN_MODEL = 'pipecat-ai/smart-turn-v3'
export const SMART_TURN_FILE = 'smart-turn-v3.0.onnx'
/** Smart Turn's own line (inference.py): above it, the model says the turn is complete. */
export const COMPLETE_PROBABILITY = 0.5
/** How long a turn the model calls unfinished may stay silent before it is answered anyway (ms of silence). */
export const UNFINISHED_SILENCE_MS = 1500
