// The Browser pane's fault-injecting HTTP proxy. It listens on 127.0.0.1 (a random port, one
// proxy per open lab) and forwards every request to the lab's web UI (in the app: a local port
// forwarded over the SSH connection to the VM). Into HTML documents it injects three script tags
// (see reporter.ts): the core's reporter, the lab's/learner's scripts, and the observer that
// measures what the page experiences. Everything else (JSON, JS, images, large downloads) streams
// through untouched. The page posts its events back here, under /__chaos-lab/.
import { randomBytes } from 'node:crypto'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { Transform, type TransformCallback } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { PageEventBatch, type PageEvent } from './events'
import { EARLY_SCRIPT, LATE_SCRIPT, REPORTER_PREFIX } from './reporter'

export interface InjectedScript {
  /** File name, shown to the learner and in the page's load event. */
  name: string
  code: string
}

export interface BrowserProxyOptions {
  /** Base URL of the web UI, e.g. http://127.0.0.1:41234 (a port forwarded to the VM). */
  target: string
  /** The scripts to inject, read afresh for every HTML page (the learner edits them between loads). */
  readScripts: () => Promise<InjectedScript[]>
  /** Page events (and the proxy's own errors), already validated. */
  onEvents: (events: PageEvent[]) => void
  /** The browser host's session cookie: never forwarded to the lab's web UI. */
  dropCookies?: string[]
  /** Where the web UI is, in the learner's words, e.g. "127.0.0.1:8081 in the VM"; default the target's host. */
  label?: string
}

/** Largest event batch a page may post. */
const MAX_EVENTS_BODY = 512 * 1024
/** How far into an HTML document the proxy looks for <head> before injecting elsewhere. */
const HEAD_SEARCH_BYTES = 64 * 1024
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']
/** Page loads whose injected scripts are kept for their <script src> requests. */
const KEPT_PAGE_LOADS = 20

export class BrowserProxy {
  private readonly sockets = new Set<Socket>()
  private readonly controls = new Set<ServerResponse>()
  /** Scripts per page load (the token in their URL), so concurrent loads never mix them. */
  private readonly injected = new Map<string, InjectedScript[]>()
  private readonly target: URL
  private origin = ''

  private constructor(
    private readonly server: Server,
    private readonly options: BrowserProxyOptions,
  ) {
    this.target = new URL(options.target)
  }

  static async start(options: BrowserProxyOptions): Promise<BrowserProxy> {
    const server = createServer()
    const proxy = new BrowserProxy(server, options)
    server.on('connection', (socket) => {
      proxy.sockets.add(socket)
      socket.on('close', () => proxy.sockets.delete(socket))
    })
    server.on('request', (req, res) => proxy.handle(req, res))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    proxy.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return proxy
  }

  /** The proxy's own origin, e.g. http://127.0.0.1:40123. */
  get url(): string {
    return this.origin
  }

  get targetUrl(): string {
    return this.target.origin
  }

  /** Asks every page open through this proxy to reload; returns how many were told. */
  reload(): number {
    for (const res of this.controls) res.write('event: reload\ndata: {}\n\n')
    return this.controls.size
  }

  async close(): Promise<void> {
    for (const res of this.controls) res.end()
    this.controls.clear()
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/'
    if (path.startsWith(REPORTER_PREFIX)) return this.serveOwn(req, res, new URL(path, this.origin))
    this.forward(req, res)
  }

  // -------------------------------------------------------------------------------------------
  // The proxy's own endpoints: the page-side scripts, the event sink, the reload channel.

  private serveOwn(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const name = url.pathname.slice(REPORTER_PREFIX.length)
    if (req.method === 'POST' && name === 'events') return this.receiveEvents(req, res)
    if (req.method !== 'GET') return plain(res, 405, 'Method not allowed.')
    if (name === 'reporter.js') return script(res, EARLY_SCRIPT)
    if (name === 'observe.js') return script(res, LATE_SCRIPT)
    if (name === 'control') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' })
      res.write(': chaos lab\n\n')
      this.controls.add(res)
      res.on('close', () => this.controls.delete(res))
      return
    }
    const match = /^inject\/([a-z0-9]+)\/(\d+)\.js$/.exec(name)
    const injected = match ? this.injected.get(match[1]!)?.[Number(match[2])] : undefined
    if (injected) return script(res, `${injected.code}\n//# sourceURL=${injected.name.replace(/[^\w.-]/g, '_')}\n`)
    plain(res, 404, 'Not found.')
  }

  private receiveEvents(req: IncomingMessage, res: ServerResponse): void {
    // Only the page itself posts here (same origin); a page of another origin may not.
    const origin = req.headers.origin
    if (origin !== undefined && origin !== this.origin) return plain(res, 403, 'Events are accepted from the proxied page only.')
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_EVENTS_BODY) {
        plain(res, 413, 'Too many events at once.')
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => {
      if (res.headersSent) return
      let batch: ReturnType<typeof PageEventBatch.safeParse>
      try {
        batch = PageEventBatch.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')))
      } catch {
        return plain(res, 400, 'Not JSON.')
      }
      if (!batch.success) return plain(res, 400, 'Not a batch of page events.')
      // A page cannot claim to be the proxy.
      const events = batch.data.events.filter((e) => e.kind !== 'proxy-error')
      if (events.length > 0) this.options.onEvents(events)
      res.writeHead(204, { 'Cache-Control': 'no-store' })
      res.end()
    })
  }

  // -------------------------------------------------------------------------------------------
  // Forwarding.

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const upstream = httpRequest({
      host: this.target.hostname,
      port: this.target.port || 80,
      method: req.method,
      path: req.url,
      headers: this.upstreamHeaders(req.headers),
    })
    upstream.on('response', (up) => void this.respond(req, res, up))
    upstream.on('error', (err) => this.upstreamFailed(req, res, err))
    // The page gave up (navigated away, aborted its XHR): so does the proxy.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    req.pipe(upstream)
  }

  private upstreamHeaders(incoming: IncomingHttpHeaders): IncomingHttpHeaders {
    const headers: IncomingHttpHeaders = {}
    for (const [name, value] of Object.entries(incoming)) {
      if (HOP_BY_HOP.includes(name) || value === undefined) continue
      headers[name] = value
    }
    headers.host = this.target.host
    // Bodies come back plain, so HTML can be edited without re-encoding (non-HTML streams through
    // either way; a server that compresses anyway is decoded below).
    headers['accept-encoding'] = 'identity'
    // Every page load must come back in full, to inject into it.
    delete headers['if-none-match']
    delete headers['if-modified-since']
    if (typeof headers.cookie === 'string') {
      const dropped = new Set(this.options.dropCookies ?? [])
      const kept = headers.cookie.split(';').map((c) => c.trim()).filter((c) => c !== '' && !dropped.has(c.split('=')[0]!.trim()))
      if (kept.length > 0) headers.cookie = kept.join('; ')
      else delete headers.cookie
    }
    for (const name of ['origin', 'referer'] as const) {
      const value = headers[name]
      if (typeof value === 'string' && value.startsWith(this.origin)) headers[name] = this.target.origin + value.slice(this.origin.length)
    }
    return headers
  }

  private async respond(req: IncomingMessage, res: ServerResponse, up: IncomingMessage): Promise<void> {
    const status = up.statusCode ?? 502
    const headers: Record<string, string | string[]> = {}
    for (const [name, value] of Object.entries(up.headers)) {
      if (HOP_BY_HOP.includes(name) || value === undefined) continue
      headers[name] = value
    }
    if (typeof headers.location === 'string' && headers.location.startsWith(this.target.origin)) {
      headers.location = this.origin + headers.location.slice(this.target.origin.length)
    }
    if (!isDocument(req, up, status)) {
      res.writeHead(status, up.statusMessage, headers)
      up.pipe(res)
      return
    }

    const token = randomBytes(6).toString('hex')
    let scripts: InjectedScript[] = []
    try {
      scripts = await this.options.readScripts()
    } catch (err) {
      // The page still loads, without the injected scripts; the pane says why.
      this.options.onEvents([{ kind: 'proxy-error', page: null, at: Date.now(), url: req.url ?? '/', message: `Could not read the scripts to inject: ${err instanceof Error ? err.message : String(err)}` }])
    }
    this.injected.set(token, scripts)
    while (this.injected.size > KEPT_PAGE_LOADS) this.injected.delete(this.injected.keys().next().value!)
    const tags = Buffer.from(scriptTags(token, scripts), 'utf8')

    const encoding = String(up.headers['content-encoding'] ?? 'identity').toLowerCase()
    const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null
    if (!decoder && encoding !== 'identity') {
      // An encoding this proxy cannot read: pass the page through as it is, without the scripts.
      res.writeHead(status, up.statusMessage, headers)
      up.pipe(res)
      return
    }
    for (const name of ['content-length', 'content-encoding', 'content-security-policy', 'content-security-policy-report-only', 'x-frame-options', 'etag', 'last-modified']) delete headers[name]
    headers['cache-control'] = 'no-store'
    const length = Number(up.headers['content-length'])
    if (!decoder && Number.isInteger(length) && length >= 0) headers['content-length'] = String(length + tags.length)
    res.writeHead(status, up.statusMessage, headers)
    const injector = new HeadInjector(tags)
    const fail = (): void => {
      res.destroy()
    }
    if (decoder) {
      decoder.on('error', fail)
      up.pipe(decoder).pipe(injector).pipe(res)
    } else {
      up.pipe(injector).pipe(res)
    }
    up.on('error', fail)
  }

  private upstreamFailed(req: IncomingMessage, res: ServerResponse, err: NodeJS.ErrnoException): void {
    const label = this.options.label ?? this.target.host
    const message = describeConnectError(err, label)
    this.options.onEvents([{ kind: 'proxy-error', page: null, at: Date.now(), url: req.url ?? '/', message }])
    if (res.headersSent) return void res.destroy()
    const wantsHtml = String(req.headers.accept ?? '').includes('text/html')
    if (!wantsHtml) return plain(res, 502, `Chaos Lab: ${message}`)
    res.writeHead(502, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(errorPage(message))
  }
}

/** Is this response an HTML document the browser is loading as a page (not an XHR of HTML)? */
function isDocument(req: IncomingMessage, up: IncomingMessage, status: number): boolean {
  if (req.method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return false
  if (!/^\s*(text\/html|application\/xhtml\+xml)\b/i.test(String(up.headers['content-type'] ?? ''))) return false
  // Browsers say what the response is for; without the header (old clients, tools), the type decides.
  const dest = req.headers['sec-fetch-dest']
  return dest === undefined || ['document', 'iframe', 'frame', 'embed', 'object'].includes(String(dest))
}

function scriptTags(token: string, scripts: InjectedScript[]): string {
  const names = scripts.map((s) => escapeAttribute(s.name.replace(/,/g, '_'))).join(',')
  return [
    `<script src="${REPORTER_PREFIX}reporter.js"></script>`,
    ...scripts.map((_, i) => `<script src="${REPORTER_PREFIX}inject/${token}/${i}.js"></script>`),
    `<script src="${REPORTER_PREFIX}observe.js" data-scripts="${names}"></script>`,
  ].join('')
}

/**
 * Inserts the tags right after <head ...> (or, when the document has none in its first 64 KB,
 * after <html ...> or the doctype, else at the start), then streams the rest unchanged. Works on
 * bytes, so the document's own charset is never re-encoded.
 */
export class HeadInjector extends Transform {
  private buffered: Buffer[] = []
  private size = 0
  private done = false

  constructor(private readonly tags: Buffer) {
    super()
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.done) return callback(null, chunk)
    this.buffered.push(chunk)
    this.size += chunk.length
    const head = Buffer.concat(this.buffered)
    const at = findAfter(head, /<head(?:\s[^>]*)?>/i)
    if (at !== null) this.inject(head, at)
    else if (this.size >= HEAD_SEARCH_BYTES) this.inject(head, fallbackPoint(head))
    else this.buffered = [head]
    callback()
  }

  override _flush(callback: TransformCallback): void {
    if (!this.done) {
      const head = Buffer.concat(this.buffered)
      this.inject(head, fallbackPoint(head))
    }
    callback()
  }

  private inject(head: Buffer, at: number): void {
    this.done = true
    this.buffered = []
    this.push(Buffer.concat([head.subarray(0, at), this.tags, head.subarray(at)]))
  }
}

function findAfter(bytes: Buffer, pattern: RegExp): number | null {
  const match = pattern.exec(bytes.toString('latin1'))
  return match ? match.index + match[0].length : null
}

function fallbackPoint(bytes: Buffer): number {
  return findAfter(bytes, /<html(?:\s[^>]*)?>/i) ?? findAfter(bytes, /<!doctype[^>]*>/i) ?? 0
}

function describeConnectError(err: NodeJS.ErrnoException, label: string): string {
  if (err.code === 'ECONNREFUSED') return `Nothing answers at ${label}: the lab's web UI is not running (connection refused).`
  // Through an SSH port forward a closed port in the VM looks like this: the tunnel accepts, then drops.
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return `The connection to ${label} closed before an answer: the lab's web UI is probably not running.`
  return `Could not reach the lab's web UI at ${label}: ${err.code ?? err.message}.`
}

function errorPage(message: string): string {
  const text = escapeHtml(message)
  return `<!doctype html><html><head><meta charset="utf-8"><title>Chaos Lab: the page is not reachable</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem;max-width:40rem;color:#222}h1{font-size:1.2rem}code{background:#eee;padding:0 .2em}</style></head>
<body><h1>Chaos Lab could not load this page</h1><p>${text}</p>
<p><strong>Fix:</strong> check in a VM terminal that the lab's web UI is running (for example with <code>ss -ltn</code>), run the lab setup again if it is not, then press Reload.</p></body></html>`
}

function script(res: ServerResponse, code: string): void {
  res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' })
  res.end(code)
}

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) return void res.end()
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(text + '\n')
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

function escapeAttribute(text: string): string {
  return escapeHtml(text)
}
