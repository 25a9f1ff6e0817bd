// The browser host over real sockets: a real HTTP server on 127.0.0.1, real WebSocket clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import WebSocket from 'ws'
import { WS_PATH, type WsServerFrame } from '../../../electron/core/api'
import { startHost, type RunningHost } from '../../../electron/host/server'
import { testCore } from '../../helpers/core'
import { tempDir } from '../../helpers/tmp'

const TOKEN = 'test-token-0123456789'
let host: RunningHost
let fixture: ReturnType<typeof testCore>
let files: ReturnType<typeof tempDir>

beforeAll(async () => {
  files = tempDir('chaos-lab-host-')
  const rendererDir = join(files.path, 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Chaos Lab</title>')
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(files.path, 'secret.txt'), 'outside the renderer')
  fixture = testCore()
  host = await startHost({ core: fixture.core, rendererDir, token: TOKEN })
})

afterAll(async () => {
  await host.close()
  fixture.cleanup()
  files.cleanup()
})

interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A raw GET, so the test controls every header (fetch would not let it set Host). */
function get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers: { host: `127.0.0.1:${host.port}`, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const cookie = `chaoslab_token=${TOKEN}`
const origin = (): string => `http://127.0.0.1:${host.port}`

function connect(headers: Record<string, string>, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}${WS_PATH}${query}`, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

/** Collects every frame the server sends on `ws`. */
function frames(ws: WebSocket): WsServerFrame[] {
  const seen: WsServerFrame[] = []
  ws.on('message', (data) => seen.push(JSON.parse(data.toString()) as WsServerFrame))
  return seen
}

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 5000
  for (;;) {
    const found = find()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('browser host over HTTP', () => {
  it('binds loopback only and prints a URL carrying the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${TOKEN}`)
  })

  it('refuses a request without the token and says how to get in', async () => {
    const reply = await get('/')
    expect(reply.status).toBe(401)
    expect(reply.body).toContain('?token=')
    expect((await get('/?token=wrong')).status).toBe(401)
  })

  it('trades the token in the URL for an HttpOnly cookie and strips it from the address', async () => {
    const reply = await get(`/?token=${TOKEN}`)
    expect(reply.status).toBe(303)
    expect(reply.headers.location).toBe('/')
    expect(String(reply.headers['set-cookie'])).toMatch(/chaoslab_token=.*HttpOnly.*SameSite=Strict/)
  })

  it('serves the renderer with its CSP to a client holding the cookie', async () => {
    const page = await get('/', { cookie })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Chaos Lab</title>')
    expect(page.headers['content-security-policy']).toContain("default-src 'self'")
    const script = await get('/assets/app.js', { cookie })
    expect(script.headers['content-type']).toContain('text/javascript')
  })

  it('refuses another Host (DNS rebinding), other methods, and paths outside the renderer', async () => {
    expect((await get('/', { cookie, host: `evil.example:${host.port}` })).status).toBe(403)
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/%E0%A4%A']) {
      const reply = await get(path, { cookie })
      expect(reply.status, path).toBe(404)
      expect(reply.body).not.toContain('outside the renderer')
    }
  })
})

describe('browser host WebSocket API', () => {
  it('refuses an upgrade from another origin or without the token', async () => {
    await expect(connect({ origin: 'http://evil.example', cookie })).rejects.toThrow('HTTP 403')
    await expect(connect({ origin: origin() })).rejects.toThrow('HTTP 401')
  })

  it('answers a call with the same envelope the core gives', async () => {
    const ws = await connect({ origin: origin(), cookie })
    const seen = frames(ws)
    ws.send(JSON.stringify({ t: 'call', id: 7, method: 'labs:list' }))
    const reply = await waitFor(() => seen.find((f) => f.t === 'result' && f.id === 7), 'the result')
    expect(reply).toEqual({ t: 'result', id: 7, envelope: await fixture.core.call('labs:list', undefined) })
    ws.close()
  })

  it('answers malformed frames with a protocol error and stays usable', async () => {
    const ws = await connect({ origin: origin(), cookie })
    const seen = frames(ws)
    ws.send('{this is not json')
    ws.send(JSON.stringify({ t: 'call', id: -1, method: 'labs:list' }))
    await waitFor(() => (seen.filter((f) => f.t === 'protocol-error').length === 2 ? true : undefined), 'two protocol errors')
    const errors = seen.filter((f) => f.t === 'protocol-error')
    expect(errors[0]).toMatchObject({ error: { code: 'bad-request', message: expect.stringContaining('not valid JSON') } })
    expect(errors[1]).toMatchObject({ error: { code: 'bad-request', details: [expect.stringContaining('id')] } })

    // An unknown method and bad input are answered on the call's own id, as errors.
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'vm:explode' }))
    ws.send(JSON.stringify({ t: 'call', id: 2, method: 'settings:update', input: { theme: 'purple' } }))
    ws.send(JSON.stringify({ t: 'call', id: 3, method: 'app:info' }))
    const byId = (id: number) => seen.find((f): f is Extract<WsServerFrame, { t: 'result' }> => f.t === 'result' && f.id === id)
    const unknown = await waitFor(() => byId(1), 'reply 1')
    const invalid = await waitFor(() => byId(2), 'reply 2')
    const info = await waitFor(() => byId(3), 'reply 3')
    expect(unknown.envelope).toMatchObject({ ok: false, error: { code: 'unknown-method' } })
    expect(invalid.envelope).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    expect(info.envelope).toMatchObject({ ok: true, value: { host: 'browser' } })
    ws.close()
  })

  it('pushes events to every connected window', async () => {
    const [a, b] = await Promise.all([connect({ origin: origin(), cookie }), connect({ origin: origin(), cookie })])
    const seenByB = frames(b)
    a.send(JSON.stringify({ t: 'call', id: 1, method: 'settings:update', input: { theme: 'dark' } }))
    const event = await waitFor(() => seenByB.find((f) => f.t === 'event' && f.event.name === 'settings:changed'), 'the settings event')
    expect(event).toMatchObject({ event: { payload: { theme: 'dark' } } })
    a.close()
    b.close()
  })
})
