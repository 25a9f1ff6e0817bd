// The browser host: serves the built renderer and exposes the core's API over one WebSocket,
// so the same UI runs in any browser on this machine (headless servers, remote desktops, our
// e2e tests). It is a transport only: every call goes through Core.call, like Electron's IPC.
//
// Security: binds 127.0.0.1 only; every request needs the random token (given once in the URL,
// then kept in an HttpOnly SameSite=Strict cookie); the Host header must name this server (DNS
// rebinding) and WebSocket upgrades must come from this server's own origin.
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, join, normalize, sep } from 'node:path'
import { WebSocketServer, type WebSocket } from 'ws'
import { WS_PATH, WsClientFrame, type WsServerFrame } from '../core/api'
import type { Core } from '../core/core'
import { describeZodIssues } from '../core/dispatch'

export interface HostOptions {
  core: Core
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  /** Fixed token for tests; random otherwise. */
  token?: string
}

export interface RunningHost {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const COOKIE = 'chaoslab_token'
/** Largest WebSocket frame we accept; API calls are small JSON. */
const MAX_FRAME_BYTES = 1024 * 1024

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const server = createServer()
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  const sockets = new Set<Socket>()
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`])

  const hasToken = (req: IncomingMessage, url: URL): 'query' | 'cookie' | null => {
    const fromQuery = url.searchParams.get('token')
    if (fromQuery !== null && safeEqual(fromQuery, token)) return 'query'
    const fromCookie = parseCookies(req.headers.cookie)[COOKIE]
    if (fromCookie !== undefined && safeEqual(fromCookie, token)) return 'cookie'
    return null
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    if (!allowedHosts.has(req.headers.host ?? '')) return refuse(res, 403, 'This server only answers requests addressed to 127.0.0.1 or localhost.')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET is served here; the API is on the WebSocket.')
    const auth = hasToken(req, url)
    if (!auth) return refuse(res, 401, 'This Chaos Lab server needs its access token. Open the full URL that `chaos-lab serve` printed (it ends in ?token=…).')
    if (auth === 'query') {
      // Trade the token in the URL for a cookie, and drop it from the address bar and history.
      url.searchParams.delete('token')
      res.writeHead(303, {
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search + url.hash,
        'Cache-Control': 'no-store',
      })
      return res.end()
    }
    serveStatic(options.rendererDir, url.pathname, res)
  })

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    const origin = req.headers.origin ?? ''
    const reject = (status: number, reason: string): void => {
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (url.pathname !== WS_PATH) return reject(404, 'Not Found')
    if (!allowedHosts.has(req.headers.host ?? '')) return reject(403, 'Forbidden')
    if (!allowedHosts.has(origin.replace(/^http:\/\//, '')) || !origin.startsWith('http://')) return reject(403, 'Forbidden')
    if (!hasToken(req, url)) return reject(401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => serveClient(ws, options.core))
  })

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate()
      wss.close()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function serveClient(ws: WebSocket, core: Core): void {
  const send = (frame: WsServerFrame): void => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame))
  }
  const unsubscribe = core.onEvent((event) => send({ t: 'event', event }))
  ws.on('close', unsubscribe)
  ws.on('message', (data, isBinary) => {
    let json: unknown
    try {
      if (isBinary) throw new Error('binary frames are not part of the protocol')
      json = JSON.parse(data.toString())
    } catch (err) {
      return send({ t: 'protocol-error', error: { code: 'bad-request', message: 'A message from the window was not valid JSON.', fix: 'Reload the page.', details: [String(err)] } })
    }
    const frame = WsClientFrame.safeParse(json)
    if (!frame.success) {
      return send({ t: 'protocol-error', error: { code: 'bad-request', message: 'A message from the window did not match the protocol.', fix: 'Reload the page; if it persists, the page and the server are from different versions.', details: describeZodIssues(frame.error) } })
    }
    const { id, method, input } = frame.data
    void core.call(method, input).then((envelope) => send({ t: 'result', id, envelope }))
  })
}

function serveStatic(root: string, pathname: string, res: ServerResponse): void {
  let relativePath: string
  try {
    relativePath = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '')
  } catch {
    // A malformed %-escape: no file of ours has such a name.
    return refuse(res, 404, 'Not found.')
  }
  const file = normalize(join(root, relativePath))
  if (!file.startsWith(normalize(root) + sep) || !existsSync(file) || !statSync(file).isFile()) {
    if (pathname === '/') return refuse(res, 500, `The renderer is not built (${root} has no index.html). Run \`npm run build\` first.`)
    return refuse(res, 404, 'Not found.')
  }
  const isHtml = extname(file) === '.html'
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': isHtml ? 'no-store' : 'max-age=300',
    ...(isHtml ? { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Frame-Options': 'DENY' } : {}),
  })
  createReadStream(file).pipe(res)
}

/**
 * The same policy the Electron window enforces (see renderer/index.html), plus frame-ancestors.
 * frame-src: the Browser pane shows a lab's web UI from the core's proxy on another local port.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-src http://127.0.0.1:*; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

function refuse(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(`Chaos Lab: ${message}\n`)
}

function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {}
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0) cookies[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  return cookies
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
