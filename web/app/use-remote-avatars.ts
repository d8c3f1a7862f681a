import { useEffect, useState } from 'react'
import { fetchAvatarModels, type RemoteAvatarStatus } from '../lib/relay-client.ts'

/** The relay's remote avatar models and their state, when it has any configured (asked once). */
export function useRemoteAvatars(configured: number, token?: string): RemoteAvatarStatus[] {
  const [list, setList] = useState<RemoteAvatarStatus[]>([])
  useEffect(() => {
    if (!configured) return setList([])
    const abort = new AbortController()
    fetchAvatarModels(token, abort.signal).then(setList, () => {})
    return () => abort.abort()
  }, [configured, token])
  return list
}
