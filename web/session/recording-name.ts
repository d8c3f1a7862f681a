/**
 * A recording's file name: what it is, whose face, and when — `parley-<avatar>-YYYY-MM-DD-HHmmss.mp4`
 * in local time (the user's own clock is how they will look for it), with the avatar's name made safe
 * for every file system.
 */
export function recordingFileName(avatarName: string, startedAt: Date, extension = 'mp4'): string {
  const slug =
    avatarName
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'avatar'
  const two = (n: number) => String(n).padStart(2, '0')
  const d = startedAt
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`
  const time = `${two(d.getHours())}${two(d.getMinutes())}${two(d.getSeconds())}`
  return `parley-${slug}-${date}-${time}.${extension}`
}

/** Elapsed recording time as the indicator shows it: m:ss, or h:mm:ss past an hour. */
export function elapsedLabel(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const two = (n: number) => String(n).padStart(2, '0')
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`
}

/** A file size in the units people read: kB below a megabyte, MB above. */
export function sizeLabel(bytes: number): string {
  return bytes < 1e6 ? `${Math.max(0, Math.round(bytes / 1e3))} kB` : `${(bytes / 1e6).toFixed(1)} MB`
}
