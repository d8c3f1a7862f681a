import { turnFeatures, turnFeaturesReference } from '../web/engines/turn/smart-turn.ts'
const a = Float32Array.from({ length: 2.5 * 16000 }, (_, i) => 0.3 * Math.sin(i / 7) + 0.01 * Math.random())
for (const [name, f] of [['reference', turnFeaturesReference], ['fast', turnFeatures]] as const) {
  await f(a)
  const t = performance.now()
  for (let i = 0; i < 10; i++) await f(a)
  console.log(name, ((performance.now() - t) / 10).toFixed(1), 'ms per 2.5 s turn')
}
