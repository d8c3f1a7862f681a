/// <reference lib="webworker" />
// Turning a live recording into the file the user keeps: its packets copied as they are (nothing
// is encoded again, so it takes a moment, not a replay) into a plain MP4 or a WebM with seeking
// cues, with the captions as a WebVTT subtitle track. The same path finishes a recording that
// stopped and recovers one a crash cut off: a live file is valid up to its last complete fragment.
import {
  ALL_FORMATS,
  BlobSource,
  EncodedAudioPacketSource,
  EncodedPacketSink,
  EncodedVideoPacketSource,
  Input,
  Mp4OutputFormat,
  Output,
  StreamTarget,
  TextSubtitleSource,
  WebMOutputFormat,
  type EncodedPacket,
  type StreamTargetChunk,
} from 'mediabunny'
import { toWebVtt, type Caption, type RecordingContainer } from './stored.ts'

export interface FinishedFile {
  seconds: number
  videoCodec: string
  audioCodec: string | null
  mimeType: string
  captions: number
}

const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

/**
 * How much of a fragmented MP4 is whole: its top-level boxes up to the last one that is complete,
 * less a fragment header (`moof`) whose media (`mdat`) did not follow. What a crash leaves after
 * that is half a fragment, which no reader can use.
 */
export async function wholeMp4Length(file: Blob): Promise<number> {
  let at = 0
  let whole = 0
  let pendingMoof: number | null = null
  while (at + 8 <= file.size) {
    const head = new DataView(await file.slice(at, at + 16).arrayBuffer())
    let size = head.getUint32(0)
    const type = String.fromCharCode(head.getUint8(4), head.getUint8(5), head.getUint8(6), head.getUint8(7))
    if (size === 1) size = head.byteLength >= 16 ? Number(head.getBigUint64(8)) : 0
    if (size < 8 || at + size > file.size) break
    at += size
    if (type === 'moof') pendingMoof = at - size
    else {
      if (type === 'mdat') pendingMoof = null
      whole = at
    }
  }
  return pendingMoof !== null ? Math.min(whole, pendingMoof) : whole
}

/** Packets of two tracks in the order of their timestamps, so that the muxer never holds a whole track waiting for the other. */
async function* byTime(...tracks: { sink: EncodedPacketSink; add(p: EncodedPacket, first: boolean): Promise<void> }[]) {
  const heads = await Promise.all(tracks.map((t) => t.sink.getFirstPacket()))
  const first = tracks.map(() => true)
  for (;;) {
    let next = -1
    for (let i = 0; i < tracks.length; i++) if (heads[i] && (next < 0 || heads[i]!.timestamp < heads[next]!.timestamp)) next = i
    if (next < 0) return
    const packet = heads[next]!
    yield tracks[next]!.add(packet, first[next]!)
    first[next] = false
    heads[next] = await tracks[next]!.sink.getNextPacket(packet)
  }
}

/** Copies `live` into `out` as a finished file; the captions end with the picture. */
export async function finishRecording(live: Blob, container: RecordingContainer, fps: number, captions: Caption[], out: WritableStream<StreamTargetChunk>): Promise<FinishedFile> {
  const source = container === 'mp4' ? live.slice(0, await wholeMp4Length(live)) : live
  const input = new Input({ source: new BlobSource(source), formats: ALL_FORMATS })
  try {
    const video = await input.getPrimaryVideoTrack().catch(() => null)
    if (!video) throw coded('recording_empty', 'Nothing of the recording could be read back: it has no picture.')
    const audio = await input.getPrimaryAudioTrack()
    const videoConfig = await video.getDecoderConfig()
    const audioConfig = audio ? await audio.getDecoderConfig() : null
    const seconds = await input.computeDuration()

    const format = container === 'mp4' ? new Mp4OutputFormat({ fastStart: false }) : new WebMOutputFormat()
    const output = new Output({ format, target: new StreamTarget(out) })
    const videoOut = new EncodedVideoPacketSource(video.codec!)
    output.addVideoTrack(videoOut, { frameRate: fps })
    const audioOut = audio && audioConfig ? new EncodedAudioPacketSource(audio.codec!) : null
    if (audioOut) output.addAudioTrack(audioOut)
    const cues = captions.filter((c) => c.startMs < seconds * 1000).map((c) => ({ ...c, endMs: Math.min(c.endMs, seconds * 1000) }))
    const subtitles = cues.length ? new TextSubtitleSource('webvtt') : null
    if (subtitles) output.addSubtitleTrack(subtitles, { languageCode: 'und', name: 'Conversation' })
    await output.start()
    if (subtitles) {
      await subtitles.add(toWebVtt(cues))
      subtitles.close()
    }
    const copy = byTime(
      { sink: new EncodedPacketSink(video), add: (p, first) => videoOut.add(p, first ? { decoderConfig: videoConfig! } : undefined) },
      ...(audio && audioOut ? [{ sink: new EncodedPacketSink(audio), add: (p: EncodedPacket, first: boolean) => audioOut.add(p, first ? { decoderConfig: audioConfig! } : undefined) }] : []),
    )
    for await (const _ of copy);
    videoOut.close()
    audioOut?.close()
    await output.finalize()
    return { seconds, videoCodec: video.codec!, audioCodec: audio?.codec ?? null, mimeType: await output.getMimeType(), captions: cues.length }
  } finally {
    input.dispose()
  }
}
