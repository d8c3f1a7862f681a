// Lip-sync from audio alone, judged against the truth: eSpeak NG's own phoneme timings for the
// speech fixture. Far from perfect (audio cannot show the lips), but well above chance — and a
// change that makes it worse fails here. The numbers go in the benchmark table too.
import { expect, it } from 'vitest'
import { estimatedAgreement, lipsyncAgreement } from '../bench/lipsync-agreement.ts'

it('audio-only visemes follow the true phonemes of eSpeak NG speech better than chance', () => {
  const r = lipsyncAgreement()
  expect(r.frames).toBeGreaterThan(700)
  // Seven kinds of mouth shape; the most common alone would score about 0.28.
  expect(r.kindAgreement).toBeGreaterThan(0.4)
  expect(r.openingCorrelation).toBeGreaterThan(0.3)
  expect(r.byKind.open!.agreement).toBeGreaterThan(0.6)
  expect(r.byKind.round!.agreement).toBeGreaterThan(0.5)
  expect(r.closedInSilence).toBeGreaterThan(0.9)
})

it("eSpeak NG's phonemes laid over its own audio (the on-device voice's timings) come close to the true ones", async () => {
  const r = await estimatedAgreement()
  expect(r.kindAgreement).toBeGreaterThan(0.6)
  expect(r.openingCorrelation).toBeGreaterThan(0.8)
  expect(r.byKind.closed!.agreement).toBeGreaterThan(0.5)
  // Better than the audio alone.
  expect(r.kindAgreement).toBeGreaterThan(lipsyncAgreement().kindAgreement + 0.1)
})
