/**
 * Chromium's echo canceller takes as its reference only audio that arrives from a peer
 * connection: the avatar's voice, made with Web Audio, is not removed from the microphone
 * (Chromium issue 687574). The known workaround (Mozilla Hubs, BigBlueButton) sends the voice
 * through two peer connections on this page, to each other, and plays what the second receives:
 * to the browser, it is a remote voice, and the canceller removes it. Nothing leaves the device:
 * no ICE servers are given, so the only candidates are this machine's own.
 *
 * It costs a jitter buffer and an Opus round (tens of milliseconds, read from the receiver's
 * statistics), which the reply's clock adds to the output's latency; and on barge-in the voice
 * already in that buffer still plays.
 */
export interface EchoLoopback {
  /** The voice as received: play this instead of the original. */
  readonly stream: MediaStream
  /** What the loop adds before the voice is heard (ms): the jitter buffer's delay plus one Opus frame. */
  readonly latencyMs: number
  /** The voice's energy received so far (WebRTC's totalAudioEnergy): zero means nothing got through. */
  readonly receivedEnergy: number
  close(): void
}

/** One Opus frame, the sender's packet time. */
const FRAME_MS = 20

export async function openEchoLoopback(voice: MediaStream): Promise<EchoLoopback> {
  const send = new RTCPeerConnection()
  const receive = new RTCPeerConnection()
  send.onicecandidate = (e) => e.candidate && void receive.addIceCandidate(e.candidate).catch(() => {})
  receive.onicecandidate = (e) => e.candidate && void send.addIceCandidate(e.candidate).catch(() => {})
  const received = new Promise<RTCTrackEvent>((resolve) => (receive.ontrack = resolve))
  for (const track of voice.getAudioTracks()) send.addTrack(track, voice)
  try {
    const offer = await send.createOffer()
    await send.setLocalDescription(offer)
    await receive.setRemoteDescription(offer)
    const answer = await receive.createAnswer()
    await receive.setLocalDescription(answer)
    await send.setRemoteDescription(answer)
    const { track, receiver, streams } = await withTimeout(received, 5000)
    // As little buffering as the network (here: none) allows.
    if ('jitterBufferTarget' in receiver) (receiver as RTCRtpReceiver & { jitterBufferTarget: number | null }).jitterBufferTarget = 0
    const loop = { latencyMs: FRAME_MS * 2, receivedEnergy: 0 }
    let last = { delay: 0, emitted: 0 }
    const timer = setInterval(() => {
      void receiver.getStats().then((stats) => {
        stats.forEach((s: { type: string; kind?: string; jitterBufferDelay?: number; jitterBufferEmittedCount?: number; totalAudioEnergy?: number }) => {
          if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return
          const delay = s.jitterBufferDelay ?? 0
          const emitted = s.jitterBufferEmittedCount ?? 0
          // The buffer's delay over the last second, not since the start.
          if (emitted > last.emitted) loop.latencyMs = ((delay - last.delay) / (emitted - last.emitted)) * 1000 + FRAME_MS
          last = { delay, emitted }
          loop.receivedEnergy = s.totalAudioEnergy ?? 0
        })
      }, () => {})
    }, 1000)
    return {
      stream: streams[0] ?? new MediaStream([track]),
      get latencyMs() {
        return loop.latencyMs
      },
      get receivedEnergy() {
        return loop.receivedEnergy
      },
      close() {
        clearInterval(timer)
        send.close()
        receive.close()
      },
    }
  } catch (err) {
    send.close()
    receive.close()
    throw err
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('The echo loopback did not connect.')), ms)
    p.then((v) => (clearTimeout(t), resolve(v)), (e: unknown) => (clearTimeout(t), reject(e as Error)))
  })
}
