/**
 * npm run models:fetch -- <model-id> [--from <base-url>] [--manifest <file>] [--dir <models-dir>]
 *
 * Downloads one model listed in models/manifest.json into models/<id>/, file by file, with a
 * progress bar. Files land in models/<id>.partial/ and, once all are complete and (where the
 * manifest records a sha256) verified, that folder replaces models/<id>/ — so an interrupted or
 * corrupt download never looks like a model. What was downloaded (bytes, sha256) is recorded in models/<id>/.parley-files.json.
 * `--from` replaces the Hugging Face hub (https://huggingface.co) with another host laid out the
 * same way: <base>/<repo>/resolve/<revision>/<file>.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

interface ManifestModel {
  id: string
  task: string
  source: { hub: string; revision: string }
  files: string[]
  /** Per file, where recorded: { "onnx/encoder_model.onnx": "<hex>" } (or null). */
  sha256: Record<string, string> | null
}

export class FetchError extends Error {
  override name = 'FetchError'
}

export interface FetchOptions {
  id: string
  from?: string
  manifestPath?: string
  modelsDir?: string
  /** Called with progress; the CLI draws a bar. */
  onProgress?(p: { file: string; loaded: number; total: number | undefined; index: number; count: number }): void
  fetch?: typeof fetch
}

const root = fileURLToPath(new URL('..', import.meta.url))

export async function fetchModel(options: FetchOptions): Promise<{ dir: string; files: DownloadedFile[] }> {
  const manifestPath = options.manifestPath ?? join(root, 'models', 'manifest.json')
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { models: ManifestModel[] }
  const model = manifest.models.find((m) => m.id === options.id)
  if (!model) throw new FetchError(`"${options.id}" is not in ${manifestPath}. Known models: ${manifest.models.map((m) => m.id).join(', ')}.`)

  const base = (options.from ?? 'https://huggingface.co').replace(/\/+$/, '')
  const dir = resolve(options.modelsDir ?? join(root, 'models'), model.id)
  const staging = `${dir}.partial`
  await rm(staging, { recursive: true, force: true })
  const files: DownloadedFile[] = []
  try {
    for (const [index, file] of model.files.entries()) {
      const url = `${base}/${model.source.hub}/resolve/${encodeURIComponent(model.source.revision)}/${file}`
      const got = await downloadFile(url, join(staging, file), (loaded, total) => options.onProgress?.({ file, loaded, total, index, count: model.files.length }), options.fetch ?? fetch)
      const expected = model.sha256?.[file]
      if (expected && expected !== got.sha256) {
        throw new FetchError(`${file}: checksum mismatch (expected sha256 ${expected}, got ${got.sha256}). Nothing was kept; the source may have changed or the transfer was corrupted.`)
      }
      files.push({ file, ...got })
    }
    await writeFile(join(staging, '.parley-files.json'), `${JSON.stringify({ id: model.id, source: model.source, fetchedFrom: base, files }, null, 2)}\n`)
  } catch (err) {
    await rm(staging, { recursive: true, force: true })
    throw err
  }
  await rm(dir, { recursive: true, force: true })
  await rename(staging, dir)
  return { dir, files }
}

interface DownloadedFile {
  file: string
  bytes: number
  sha256: string
}

/** Streams one URL to disk, hashing and counting as it goes; fails on any short transfer. */
async function downloadFile(url: string, target: string, progress: (loaded: number, total: number | undefined) => void, doFetch: typeof fetch) {
  const file = url.split('/resolve/')[1]?.split('/').slice(1).join('/') ?? url
  let res: Response
  try {
    res = await doFetch(url)
  } catch (err) {
    throw new FetchError(`Could not reach ${new URL(url).origin} for ${file} (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}). Check the network, or use --from <mirror>.`)
  }
  if (!res.ok || !res.body) throw new FetchError(`${file}: ${url} answered HTTP ${res.status}. Check the model id and revision in the manifest.`)
  const declared = Number(res.headers.get('content-length') ?? NaN)
  const total = Number.isFinite(declared) ? declared : undefined
  const hash = createHash('sha256')
  let loaded = 0
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      loaded += chunk.length
      progress(loaded, total)
      done(null, chunk)
    },
  })
  await mkdir(dirname(target), { recursive: true })
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), meter, createWriteStream(target))
  } catch (err) {
    throw new FetchError(`${file}: the download broke off after ${loaded} bytes (${(err as Error).message}). Run the command again.`)
  }
  if (total !== undefined && loaded !== total) throw new FetchError(`${file}: got ${loaded} of ${total} bytes; the download was cut short. Run the command again.`)
  return { bytes: loaded, sha256: hash.digest('hex') }
}

function bar(p: { file: string; loaded: number; total: number | undefined; index: number; count: number }): string {
  const mb = (n: number) => (n / 1e6).toFixed(1)
  const width = 24
  const frac = p.total ? Math.min(1, p.loaded / p.total) : 0
  const filled = Math.round(frac * width)
  const size = p.total ? `${mb(p.loaded)}/${mb(p.total)} MB` : `${mb(p.loaded)} MB`
  return `[${p.index + 1}/${p.count}] ${p.file.padEnd(40).slice(0, 40)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${size}`
}

async function main(argv: string[]) {
  const flags = new Map<string, string>()
  const ids: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a.startsWith('--')) flags.set(a.slice(2), argv[++i] ?? '')
    else ids.push(a)
  }
  if (ids.length !== 1) {
    console.error('Usage: npm run models:fetch -- <model-id> [--from <base-url>] [--manifest <file>] [--dir <models-dir>]')
    process.exit(2)
  }
  const tty = process.stdout.isTTY
  let last = ''
  try {
    const { dir, files } = await fetchModel({
      id: ids[0]!,
      from: flags.get('from'),
      manifestPath: flags.get('manifest'),
      modelsDir: flags.get('dir'),
      onProgress(p) {
        const line = bar(p)
        if (tty) process.stdout.write(`\r${line}`)
        else if (p.file !== last) console.log(line)
        last = p.file
      },
    })
    if (tty) process.stdout.write('\n')
    const bytes = files.reduce((n, f) => n + f.bytes, 0)
    console.log(`Saved ${files.length} files (${(bytes / 1e6).toFixed(1)} MB) to ${dir}`)
  } catch (err) {
    if (tty) process.stdout.write('\n')
    console.error(err instanceof FetchError ? `models:fetch: ${err.message}` : err)
    process.exit(1)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2))
