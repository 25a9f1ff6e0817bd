// What a page shown in the Browser pane reports about itself, as the page sees it: its loads, each
// XMLHttpRequest and fetch (URL, duration, status or failure), uncaught errors, error messages it
// shows to the user, and parts of it stuck "loading". Shared by the core (which validates what
// the page sends and keeps it), api.ts (the browser:page event) and the renderer. No Node or DOM.
import { z } from 'zod'

const PageId = z.string().min(1).max(40)
const Text = (max: number) => z.string().transform((s) => (s.length > max ? s.slice(0, max - 1) + '…' : s))

export const PageLoadEvent = z.object({
  kind: z.literal('load'),
  page: PageId,
  at: z.number(),
  url: Text(2000),
  title: Text(200),
  /** Whether XMLHttpRequest.prototype.send / window.fetch were replaced before the page ran. */
  wrapped: z.object({ xhr: z.boolean(), fetch: z.boolean() }),
  /** Names of the injected scripts (the lab's or the learner's), in the order they ran. */
  scripts: z.array(Text(200)).max(50),
})

export const PageRequestEvent = z.object({
  kind: z.literal('request'),
  page: PageId,
  /** When the page asked for it (send() or fetch() called), ms since the epoch. */
  at: z.number(),
  api: z.enum(['xhr', 'fetch']),
  method: Text(16),
  url: Text(2000),
  /** From the call to the outcome, as the page's code experiences it (injected delays included). */
  ms: z.number().min(0),
  /** HTTP status; null when no response arrived. */
  status: z.number().int().nullable(),
  outcome: z.enum(['ok', 'http-error', 'failed', 'aborted', 'timeout']),
  error: Text(500).nullable(),
})

export const PageErrorEvent = z.object({
  kind: z.literal('error'),
  page: PageId,
  at: z.number(),
  /** e.g. "SyntaxError: Unexpected end of JSON input" */
  message: Text(500),
  /** "error" for an uncaught exception, "rejection" for an unhandled promise rejection. */
  source: z.enum(['error', 'rejection']),
  where: Text(300),
})

/** An element with role="alert" (an error banner) showed this text to the user. */
export const PageUiErrorEvent = z.object({ kind: z.literal('ui-error'), page: PageId, at: z.number(), text: Text(500) })

/** An element marked aria-busy="true" for longer than the reporter's threshold (stuck "loading"), or no longer. */
export const PageStuckEvent = z.object({ kind: z.enum(['stuck', 'unstuck']), page: PageId, at: z.number(), label: Text(120) })

/** The proxy itself could not reach the lab's web UI (recorded by the core, not the page). */
export const ProxyErrorEvent = z.object({ kind: z.literal('proxy-error'), page: z.null(), at: z.number(), url: Text(2000), message: Text(500) })

export const PageEvent = z.discriminatedUnion('kind', [PageLoadEvent, PageRequestEvent, PageErrorEvent, PageUiErrorEvent, PageStuckEvent, ProxyErrorEvent])
export type PageEvent = z.infer<typeof PageEvent>
export type PageRequestEvent = z.infer<typeof PageRequestEvent>

/** What the page's reporter posts: a batch of events, never more than this many. */
export const PageEventBatch = z.object({ events: z.array(PageEvent).max(200) }).strict()

const Latency = z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() })

const PageCounts = z.object({
  requests: z.number().int(),
  xhr: z.number().int(),
  fetch: z.number().int(),
  /** No response at all (network error, injected failure, abort, timeout). */
  failed: z.number().int(),
  /** A response with status >= 400. */
  httpErrors: z.number().int(),
  /** Over every request with an outcome, failed ones included. */
  latencyMs: Latency.nullable(),
  uncaughtErrors: z.number().int(),
  lastError: z.string().nullable(),
  uiErrors: z.number().int(),
  lastUiError: z.string().nullable(),
})

export const PageSummary = z.object({
  /** Page loads seen since the pane was opened. */
  loads: z.number().int(),
  /** The latest page load, and what happened in it: the state a check should judge. */
  current: z
    .object({
      page: z.string(),
      url: z.string(),
      title: z.string(),
      loadedAt: z.number(),
      wrapped: z.object({ xhr: z.boolean(), fetch: z.boolean() }),
      scripts: z.array(z.string()),
      /** Labels of the parts of the page stuck loading now. */
      stuck: z.array(z.string()),
    })
    .extend(PageCounts.shape)
    .nullable(),
  /** Every page load since the pane was opened. */
  total: z.object({ requests: z.number().int(), failed: z.number().int(), uncaughtErrors: z.number().int(), uiErrors: z.number().int() }),
  proxyErrors: z.number().int(),
  lastProxyError: z.string().nullable(),
  updatedAt: z.number(),
})
export type PageSummary = z.infer<typeof PageSummary>

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.ceil((p / 100) * sorted.length) - 1
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!
}

/** The summary of a list of events, oldest first. */
export function summarize(events: readonly PageEvent[], now = Date.now()): PageSummary {
  const total = { requests: 0, failed: 0, uncaughtErrors: 0, uiErrors: 0 }
  let loads = 0
  let latest: z.infer<typeof PageLoadEvent> | null = null
  let proxyErrors = 0
  let lastProxyError: string | null = null
  for (const event of events) {
    if (event.kind === 'load') {
      loads++
      latest = event
    } else if (event.kind === 'proxy-error') {
      proxyErrors++
      lastProxyError = event.message
    } else if (event.kind === 'request') {
      total.requests++
      if (isFailure(event)) total.failed++
    } else if (event.kind === 'error') total.uncaughtErrors++
    else if (event.kind === 'ui-error') total.uiErrors++
  }
  // The page reports its load once its DOM is parsed, so requests made by its first scripts may
  // come before: what belongs to the current page is decided by its id, not by position.
  const current = latest ? events.filter((e) => e.page === latest.page) : []
  return {
    loads,
    current: latest
      ? {
          page: latest.page,
          url: latest.url,
          title: latest.title,
          loadedAt: latest.at,
          wrapped: latest.wrapped,
          scripts: latest.scripts,
          stuck: stuckNow(current),
          ...counts(current),
        }
      : null,
    total,
    proxyErrors,
    lastProxyError,
    updatedAt: now,
  }
}

function isFailure(event: PageRequestEvent): boolean {
  return event.outcome === 'failed' || event.outcome === 'aborted' || event.outcome === 'timeout'
}

function counts(events: PageEvent[]): z.infer<typeof PageCounts> {
  const requests = events.filter((e): e is PageRequestEvent => e.kind === 'request')
  const errors = events.filter((e) => e.kind === 'error')
  const uiErrors = events.filter((e) => e.kind === 'ui-error')
  const ms = requests.map((r) => r.ms).sort((a, b) => a - b)
  return {
    requests: requests.length,
    xhr: requests.filter((r) => r.api === 'xhr').length,
    fetch: requests.filter((r) => r.api === 'fetch').length,
    failed: requests.filter(isFailure).length,
    httpErrors: requests.filter((r) => r.outcome === 'http-error').length,
    latencyMs: ms.length === 0 ? null : { p50: round(percentile(ms, 50)), p90: round(percentile(ms, 90)), p99: round(percentile(ms, 99)), max: round(ms.at(-1)!) },
    uncaughtErrors: errors.length,
    lastError: errors.at(-1)?.kind === 'error' ? (errors.at(-1) as z.infer<typeof PageErrorEvent>).message : null,
    uiErrors: uiErrors.length,
    lastUiError: uiErrors.at(-1)?.kind === 'ui-error' ? (uiErrors.at(-1) as z.infer<typeof PageUiErrorEvent>).text : null,
  }
}

function stuckNow(events: PageEvent[]): string[] {
  const stuck = new Set<string>()
  for (const event of events) {
    if (event.kind === 'stuck') stuck.add(event.label)
    else if (event.kind === 'unstuck') stuck.delete(event.label)
  }
  return [...stuck]
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
