/**
 * Loads an avatar bundle where it is drawn (the avatar worker): the manifest, checked, and every
 * picture decoded — checked again against the manifest, so a broken bundle is refused with a
 * message naming the file and field instead of drawing a broken face.
 */
import { checkFiles, pictures, validateManifest, type LayeredManifest } from './bundle.ts'

export interface LoadedAvatar {
  manifest: LayeredManifest
  images: Map<string, ImageBitmap>
}

const coded = (code: string, message: string) => Object.assign(new Error(message), { code })

export async function loadAvatar(baseUrl: string): Promise<LoadedAvatar> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`
  const dir = new URL(base, self.location.href).pathname.replace(/^\/|\/$/g, '')
  const res = await fetch(`${base}manifest.json`).catch(() => null)
  if (!res?.ok) throw coded('avatar_missing', `The avatar at ${dir}/ could not be loaded (manifest.json: ${res ? `HTTP ${res.status}` : 'no answer'}).`)
  let raw: unknown
  try {
    raw = await res.json()
  } catch {
    throw coded('avatar_invalid', `${dir}/manifest.json is not valid JSON.`)
  }
  const { manifest, problems } = validateManifest(raw, `${dir}/manifest.json`)
  if (!manifest) throw coded('avatar_invalid', `This avatar cannot be drawn: ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`)

  const images = new Map<string, ImageBitmap>()
  const decode = async (file: string) => {
    const r = await fetch(`${base}${file}`)
    if (!r.ok) throw new Error(`missing (HTTP ${r.status})`)
    const bitmap = await createImageBitmap(await r.blob(), { premultiplyAlpha: 'premultiply' }).catch(() => {
      throw new Error('not a readable image')
    })
    images.set(file, bitmap)
    return { width: bitmap.width, height: bitmap.height }
  }
  const fileProblems = await checkFiles(manifest, decode, dir)
  if (fileProblems.length) {
    for (const b of images.values()) b.close()
    throw coded('avatar_invalid', `This avatar cannot be drawn: ${fileProblems.slice(0, 3).join('; ')}.`)
  }
  // The preview is for pickers, not for drawing.
  images.get(manifest.preview)?.close()
  images.delete(manifest.preview)
  for (const { placed } of pictures(manifest)) if (!images.has(placed.file)) throw coded('avatar_invalid', `${dir}/${placed.file} did not load.`)
  return { manifest, images }
}
