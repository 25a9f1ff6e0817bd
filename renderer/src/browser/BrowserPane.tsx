// The Browser pane: the lab's web UI in an iframe, loaded through the core's fault-injecting
// proxy, with a reload button, where the page really comes from, and a live list of what the
// page did (its requests with latency and failures, uncaught errors, error banners). The same
// pane serves the Electron window and the browser host: both load the proxy's URL in an iframe.
import { useCallback, useEffect, useState, type ReactNode } from 'react'
import type { PageEvent, PageSummary } from '../../../electron/core/browser/events'
import { toErrorInfo, type ErrorInfo } from '../../../electron/core/errors'
import { useClient } from '../api/hooks'
import { ErrorPanel } from '../components/ErrorPanel'
import './browser.css'

/** Rows kept for the list; the summary covers more (the core keeps the rest). */
const LIST_SIZE = 60

type Opened = { url: string; target: string; path: string }

export function BrowserPane({ labId }: { labId: string }): ReactNode {
  const client = useClient()
  const [opened, setOpened] = useState<Opened | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [loads, setLoads] = useState(0)
  const [events, setEvents] = useState<PageEvent[]>([])
  const [summary, setSummary] = useState<PageSummary | null>(null)

  const open = useCallback(
    () =>
      client.call('browser:open', { labId }).then(
        (result) => {
          setOpened(result)
          setError(null)
        },
        (err: unknown) => setError(toErrorInfo(err)),
      ),
    [client, labId],
  )

  useEffect(() => {
    void open()
  }, [open])

  useEffect(() => {
    let live = true
    client.call('browser:events', { labId }).then(
      (result) => {
        if (!live) return
        setEvents(result.events.slice(-LIST_SIZE))
        setSummary(result.summary)
      },
      () => undefined,
    )
    const off = client.on('browser:page', (update) => {
      if (update.labId !== labId) return
      setEvents((previous) => [...previous, ...update.events].slice(-LIST_SIZE))
      setSummary(update.summary)
    })
    return () => {
      live = false
      off()
    }
  }, [client, labId])

  // Reopening is a no-op while the proxy runs, and starts it again if the lab was cleaned up.
  const reload = (): void => void open().then(() => setLoads((n) => n + 1))
  const current = summary?.current ?? null
  const address = opened ? `${opened.target} ${current?.url ?? opened.path}` : 'Starting…'

  return (
    <section className="browser-pane" aria-label="Browser">
      <div className="browser-bar">
        <button type="button" className="ghost small" onClick={reload} title="Reload the page (the injected scripts are read again)" data-testid="browser-reload">
          ⟳ Reload
        </button>
        <span className="browser-address" data-testid="browser-address" title={opened?.url}>{address}</span>
        {current && current.scripts.length > 0 && (
          <span className="browser-injected" data-testid="browser-injected" title="Scripts injected into this page">
            injected: {current.scripts.join(', ')}
          </span>
        )}
      </div>
      {error ? (
        <div className="browser-error">
          <ErrorPanel error={error} action={<button type="button" onClick={reload}>Try again</button>} />
        </div>
      ) : (
        opened && (
          <iframe
            key={loads}
            className="browser-frame"
            title="The lab's web page"
            src={opened.url}
            // Its own origin (the proxy's port): scripts run, but it cannot reach the app.
            sandbox="allow-scripts allow-same-origin allow-forms"
            data-testid="browser-frame"
          />
        )
      )}
      <PageActivity summary={summary} events={events} />
    </section>
  )
}

function PageActivity({ summary, events }: { summary: PageSummary | null; events: PageEvent[] }): ReactNode {
  const current = summary?.current ?? null
  const rows = events.filter((e) => e.kind !== 'load' && e.kind !== 'unstuck' && (current === null || e.page === current.page || e.page === null)).slice(-LIST_SIZE).reverse()
  return (
    <div className="browser-activity">
      <p className="browser-summary small" data-testid="browser-summary">
        {current ? (
          <>
            <span>{current.requests} requests</span>
            <span className={current.failed > 0 ? 'bad' : undefined} data-testid="browser-failed">{current.failed} failed</span>
            {current.latencyMs && <span>p50 {Math.round(current.latencyMs.p50)} ms · p90 {Math.round(current.latencyMs.p90)} ms</span>}
            <span className={current.uncaughtErrors > 0 ? 'bad' : undefined}>{current.uncaughtErrors} uncaught errors</span>
            <span>{current.uiErrors} shown to the user</span>
            <span title="XMLHttpRequest.prototype.send / window.fetch replaced by an injected script">
              wrapped: XHR {current.wrapped.xhr ? 'yes' : 'no'}, fetch {current.wrapped.fetch ? 'yes' : 'no'}
            </span>
          </>
        ) : summary && summary.lastProxyError ? (
          <span className="bad">{summary.lastProxyError}</span>
        ) : (
          <span className="muted">Waiting for the page…</span>
        )}
      </p>
      <ol className="browser-events" aria-label="What the page did, newest first" data-testid="browser-events">
        {rows.map((event, i) => (
          <EventRow key={`${event.at}-${i}-${event.kind}`} event={event} />
        ))}
      </ol>
    </div>
  )
}

function EventRow({ event }: { event: PageEvent }): ReactNode {
  switch (event.kind) {
    case 'request': {
      const failed = event.outcome !== 'ok'
      return (
        <li className={failed ? 'bad' : undefined} data-kind="request" data-outcome={event.outcome}>
          <span className="api">{event.api}</span>
          <span className="what">{event.method} {event.url}</span>
          <span className="status">{event.status ?? event.outcome}</span>
          <span className="ms">{Math.round(event.ms)} ms</span>
        </li>
      )
    }
    case 'error':
      return (
        <li className="bad" data-kind="error">
          <span className="api">{event.source === 'rejection' ? 'reject' : 'error'}</span>
          <span className="what">{event.message}</span>
          <span className="status">uncaught</span>
          <span className="ms" />
        </li>
      )
    case 'ui-error':
      return (
        <li className="shown" data-kind="ui-error">
          <span className="api">shown</span>
          <span className="what">{event.text}</span>
          <span className="status">alert</span>
          <span className="ms" />
        </li>
      )
    case 'stuck':
      return (
        <li className="bad" data-kind="stuck">
          <span className="api">stuck</span>
          <span className="what">{event.label} still loading</span>
          <span className="status" />
          <span className="ms" />
        </li>
      )
    case 'proxy-error':
      return (
        <li className="bad" data-kind="proxy-error">
          <span className="api">proxy</span>
          <span className="what">{event.message}</span>
          <span className="status" />
          <span className="ms" />
        </li>
      )
    default:
      return null
  }
}
