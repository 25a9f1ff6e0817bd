// Renderer state as snapshots: load with one call, re-load when a named event arrives or the
// connection comes back (events may have been missed while it was down).
import { createContext, useCallback, useContext, useEffect, useState } from 'react'
import type { EventName } from '../../../electron/core/api'
import type { ErrorInfo } from '../../../electron/core/errors'
import { AppError } from '../../../electron/core/errors'
import type { RendererClient } from './client'
import type { ConnectionState } from './transport'

export const ClientContext = createContext<RendererClient | null>(null)

export function useClient(): RendererClient {
  const client = useContext(ClientContext)
  if (!client) throw new Error('useClient outside <ClientContext.Provider>')
  return client
}

export type Snapshot<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; error: ErrorInfo }

export function useSnapshot<T>(load: (client: RendererClient) => Promise<T>, refreshOn: EventName[], deps: unknown[]): [Snapshot<T>, () => void] {
  const client = useClient()
  const [snapshot, setSnapshot] = useState<Snapshot<T>>({ status: 'loading' })
  const loadNow = useCallback(() => load(client), [client, ...deps])

  const refresh = useCallback(() => {
    loadNow().then(
      (value) => setSnapshot({ status: 'ready', value }),
      (err: unknown) => setSnapshot({ status: 'error', error: err instanceof AppError ? err.toInfo() : { code: 'internal', message: String(err), fix: '', details: [] } }),
    )
  }, [loadNow])

  useEffect(() => {
    setSnapshot({ status: 'loading' })
    refresh()
    const disposers = refreshOn.map((name) => client.on(name, refresh))
    let wasOpen = true
    disposers.push(
      client.onConnection((state) => {
        if (state === 'open' && !wasOpen) refresh()
        wasOpen = state === 'open'
      }),
    )
    return () => disposers.forEach((d) => d())
  }, [refresh])

  return [snapshot, refresh]
}

export function useConnection(): ConnectionState {
  const client = useClient()
  const [state, setState] = useState<ConnectionState>('connecting')
  useEffect(() => client.onConnection(setState), [client])
  return state
}
