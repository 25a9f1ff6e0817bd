// The fault ledger as the renderer sees it: read once with faults:list, then kept current by
// faults:changed (which the core sends after every inject, revert and halt, from any window).
// One provider for the whole window, so the Halt button and the step buttons never disagree.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react'
import type { LedgerEntry } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { useVmStatus } from '../api/vm'

export interface Faults {
  /** null until the ledger has been read once (it lives in the VM, so not before it runs). */
  entries: LedgerEntry[] | null
  /** Why the last read failed (usually: no VM); the last known entries stay meanwhile. */
  error: ErrorInfo | null
}

const FaultsContext = createContext<Faults>({ entries: null, error: null })

export function FaultsProvider({ children }: { children: ReactNode }): ReactNode {
  const client = useClient()
  const vm = useVmStatus()
  const connected = vm.status === 'ready' && vm.value.connected
  const [faults, setFaults] = useState<Faults>({ entries: null, error: null })

  // Re-read when the VM connection comes up (the ledger may hold faults from before a restart)
  // and when the window's own connection to the core comes back (events may have been missed).
  useEffect(() => {
    let live = true
    const load = (): void => {
      client.call('faults:list').then(
        (entries) => live && setFaults({ entries, error: null }),
        (err: unknown) => live && setFaults((current) => ({ entries: current.entries, error: toErrorInfo(err) })),
      )
    }
    load()
    let wasOpen = true
    const offChanged = client.on('faults:changed', ({ entries }) => setFaults({ entries, error: null }))
    const offConnection = client.onConnection((state) => {
      if (state === 'open' && !wasOpen) load()
      wasOpen = state === 'open'
    })
    return () => {
      live = false
      offChanged()
      offConnection()
    }
  }, [client, connected])

  return <FaultsContext.Provider value={faults}>{children}</FaultsContext.Provider>
}

export function useFaults(): Faults {
  return useContext(FaultsContext)
}

/** The ledger id of a lab's fault, as the core builds it. */
export function faultLedgerId(labId: string, faultId: string): string {
  return `${labId}:${faultId}`
}
