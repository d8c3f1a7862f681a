import type { Emitter } from '../lib/emitter.ts'
import type { StreamMap } from '../session/streams.ts'

/**
 * A stage that only listens: it counts the avatar's voice (samples and seconds, by turn) and the
 * face's frames, the way a recorder would tap `avatar.audio` and `avatar.video`. It proves the
 * DESIGN claim that a stage is added by subscribing to stream kinds, with no other stage edited.
 */
export function startStreamCounter(bus: Emitter<StreamMap>) {
  const counts = { audioChunks: 0, audioSamples: 0, audioSeconds: 0, videoFrames: 0, remoteFrames: 0, turns: new Set<string>() }
  const offs = [
    bus.on('avatar.audio', ({ turnId, chunk }) => {
      counts.audioChunks++
      counts.audioSamples += chunk.samples.length
      counts.audioSeconds += chunk.samples.length / chunk.sampleRate
      counts.turns.add(turnId)
    }),
    bus.on('avatar.video', ({ source }) => {
      counts.videoFrames++
      if (source === 'remote') counts.remoteFrames++
    }),
  ]
  return {
    read: () => ({ ...counts, turns: counts.turns.size }),
    stop: () => offs.forEach((off) => off()),
  }
}
