// State a lab view follows from the core: step progress (from the database, so it is the same in
// every window) and the latest check result per step (from lab:check events).
import { useCallback, useEffect, useState } from 'react'
import type { CheckResult, StepProgress } from '../../../electron/core/api'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'

export type ProgressMap = ReadonlyMap<string, StepProgress>

/** lab:progress, re-read on progress:changed for this lab and when the connection comes back. */
export function useLabProgress(labId: string): { progress: ProgressMap | null; error: ErrorInfo | null } {
  const client = useClient()
  const [progress, setProgress] = useState<ProgressMap | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)

  useEffect(() => {
    let live = true
    // Replies can overtake each other; only the newest request may set the state.
    let latest = 0
    const load = (): void => {
      const request = ++latest
      client.call('lab:progress', { id: labId }).then(
        ({ steps }) => {
          if (!live || request !== latest) return
          setProgress(new Map(steps.map((s) => [s.stepId, s])))
          setError(null)
        },
        (err: unknown) => live && request === latest && setError(toErrorInfo(err)),
      )
    }
    load()
    let wasOpen = true
    const offChanged = client.on('progress:changed', (event) => event.labId === labId && load())
    const offConnection = client.onConnection((state) => {
      if (state === 'open' && !wasOpen) load()
      wasOpen = state === 'open'
    })
    return () => {
      live = false
      offChanged()
      offConnection()
    }
  }, [client, labId])

  return { progress, error }
}

/**
 * The latest check result of each step of the lab. Continuous checks arrive only as events;
 * a click check's reply is recorded too (`record`), since it is the same result.
 */
export function useCheckResults(labId: string): [ReadonlyMap<string, CheckResult>, (result: CheckResult) => void] {
  const client = useClient()
  const [results, setResults] = useState<ReadonlyMap<string, CheckResult>>(new Map())
  const record = useCallback((result: CheckResult) => {
    setResults((current) => {
      const previous = current.get(result.stepId)
      // An older result (a slow click check answering after a newer continuous one) loses.
      if (previous && previous.at > result.at) return current
      return new Map(current).set(result.stepId, result)
    })
  }, [])
  useEffect(() => client.on('lab:check', (result) => result.labId === labId && record(result)), [client, labId, record])
  return [results, record]
}

/** The current time, updated every `intervalMs` while `active`: for "checked 3 s ago". */
export function useNow(active: boolean, intervalMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (!active) return
    setNow(Date.now())
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [active, intervalMs])
  return now
}

/** "just now", "4 s ago", "2 min ago". */
export function ago(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 1) return 'just now'
  if (seconds < 60) return `${seconds} s ago`
  return `${Math.floor(seconds / 60)} min ago`
}
