import { useCallback, useEffect, useState } from 'react'
import { fetchCapabilities, type RelayCapabilities } from '../lib/relay-client.ts'

export type CapabilitiesState =
  | { status: 'loading' }
  | { status: 'ready'; capabilities: RelayCapabilities }
  | { status: 'unreachable'; error: unknown }

/** GET /api/config once at start (and on demand): what the relay offers. */
export function useCapabilities() {
  const [state, setState] = useState<CapabilitiesState>({ status: 'loading' })
  const load = useCallback((signal?: AbortSignal) => {
    setState({ status: 'loading' })
    fetchCapabilities(signal).then(
      (capabilities) => setState({ status: 'ready', capabilities }),
      (error: unknown) => signal?.aborted || setState({ status: 'unreachable', error }),
    )
  }, [])
  useEffect(() => {
    const abort = new AbortController()
    load(abort.signal)
    return () => abort.abort()
  }, [load])
  return [state, load] as const
}
