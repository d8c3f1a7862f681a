import { useEffect, useState } from 'react'

export interface AvatarEntry {
  id: string
  name: string
  description: string
  preview: string
}

/** The avatars this site offers (public/avatars/index.json, written by `npm run avatar:render`). */
export function useAvatars(): AvatarEntry[] {
  const [list, setList] = useState<AvatarEntry[]>([])
  useEffect(() => {
    const abort = new AbortController()
    fetch('/avatars/index.json', { signal: abort.signal })
      .then((r) => (r.ok ? (r.json() as Promise<{ avatars: AvatarEntry[] }>) : { avatars: [] }))
      .then((j) => setList(Array.isArray(j.avatars) ? j.avatars : []))
      .catch(() => {})
    return () => abort.abort()
  }, [])
  return list
}
