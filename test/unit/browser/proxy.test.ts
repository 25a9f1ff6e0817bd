// The Browser pane's proxy against real HTTP servers on 127.0.0.1: what it injects and where,
// what it leaves alone, streaming, encodings, the page's events, and an upstream that is down.
import { afterEach, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import type { PageEvent } from '../../../electron/core/browser/events'
import { BrowserProxy, type InjectedScript } from '../../../electron/core/browser/proxy'

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A real upstream web server; every request it saw is kept (headers and body). */
async function upstream(handler: Handler): Promise<{ url: string; seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[]; server: Server }> {
  const seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString() })
      handler(req, res, body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server }
}

async function proxyTo(target: string, scripts: InjectedScript[] | (() => Promise<InjectedScript[]>) = []): Promise<{ proxy: BrowserProxy; events: PageEvent[]; reads: () => number }> {
  const events: PageEvent[] = []
  let reads = 0
  const proxy = await BrowserProxy.start({
    target,
    readScripts: async () => {
      reads++
      return typeof scripts === 'function' ? scripts() : scripts
    },
    onEvents: (batch) => events.push(...batch),
    dropCookies: ['chaoslab_token'],
  })
  cleanups.push(() => proxy.close())
  return { proxy, events, reads: () => reads }
}

interface Reply { status: number; headers: IncomingHttpHeaders; body: Buffer }

function send(base: string, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const PAGE = '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Tables</title></head><body><h1>Tables — ünïcode</h1></body></html>\n'

describe('the Browser pane proxy', () => {
  it('injects the reporter, the injected scripts and the observer right after <head>, with a correct Content-Length', async () => {
    const web = await upstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(PAGE), 'Content-Security-Policy': "script-src 'none'", ETag: '"v1"' })
      res.end(PAGE)
    })
    const { proxy, reads } = await proxyTo(web.url, [{ name: 'slow.js', code: 'window.slow = 1' }, { name: 'fail.js', code: 'window.fail = 2' }])
    const reply = await send(proxy.url, '/', { headers: { 'sec-fetch-dest': 'iframe', 'if-none-match': '"v1"' } })

    expect(reply.status).toBe(200)
    const html = reply.body.toString('utf8')
    expect(Number(reply.headers['content-length'])).toBe(reply.body.length)
    const head = html.indexOf('<head>') + '<head>'.length
    const tags = html.slice(head, html.indexOf('<meta'))
    expect(tags).toMatch(/^<script src="\/__chaos-lab\/reporter\.js"><\/script><script src="\/__chaos-lab\/inject\/[a-f0-9]+\/0\.js"><\/script><script src="\/__chaos-lab\/inject\/[a-f0-9]+\/1\.js"><\/script><script src="\/__chaos-lab\/observe\.js" data-scripts="slow\.js,fail\.js"><\/script>$/)
    // Everything else is the page as the server sent it, bytes and charset untouched.
    expect(html.slice(0, head) + html.slice(head + tags.length)).toBe(PAGE)
    // The page's policy would block the injected scripts; a conditional request would get a 304 with nothing to inject into.
    expect(reply.headers['content-security-policy']).toBeUndefined()
    expect(reply.headers['cache-control']).toBe('no-store')
    expect(web.seen[0]!.headers['if-none-match']).toBeUndefined()
    expect(reads()).toBe(1)

    // The injected scripts are served from the proxy, by the token of that page load.
    const src = /inject\/([a-f0-9]+)\/1\.js/.exec(html)![0]
    const served = await send(proxy.url, `/__chaos-lab/${src}`)
    expect(served.status).toBe(200)
    expect(served.headers['content-type']).toMatch(/^text\/javascript/)
    expect(served.body.toString()).toContain('window.fail = 2')
    expect((await send(proxy.url, '/__chaos-lab/reporter.js')).body.toString()).toContain('__chaosLab')
    expect((await send(proxy.url, '/__chaos-lab/observe.js')).body.toString()).toContain('XMLHttpRequest.prototype')
  })

  it('reads the scripts to inject again for every page load', async () => {
    const web = await upstream((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE))
    let version = 0
    const { proxy } = await proxyTo(web.url, async () => [{ name: 'monkey.js', code: `window.version = ${++version}` }])
    for (const expected of [1, 2]) {
      const html = (await send(proxy.url, '/')).body.toString()
      const src = /\/__chaos-lab\/inject\/[a-f0-9]+\/0\.js/.exec(html)![0]
      expect((await send(proxy.url, src)).body.toString()).toContain(`window.version = ${expected}`)
    }
  })

  it('leaves JSON, JavaScript and HTML fetched by scripts exactly as they are', async () => {
    const json = JSON.stringify({ rows: [[1, '<head>']] })
    const js = 'document.write("<head>")'
    const web = await upstream((req, res) => {
      if (req.url === '/api') res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) }).end(json)
      else if (req.url === '/app.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(js)
      else res.writeHead(200, { 'Content-Type': 'text/html' }).end(PAGE)
    })
    const { proxy, reads } = await proxyTo(web.url, [{ name: 'x.js', code: '' }])
    const api = await send(proxy.url, '/api')
    expect(api.body.toString()).toBe(json)
    expect(api.headers['content-length']).toBe(String(Buffer.byteLength(json)))
    expect((await send(proxy.url, '/app.js')).body.toString()).toBe(js)
    // An XHR for an HTML fragment (the browser says so in Sec-Fetch-Dest) is data, not a page.
    expect((await send(proxy.url, '/fragment', { headers: { 'sec-fetch-dest': 'empty' } })).body.toString()).toBe(PAGE)
    expect(reads()).toBe(0)
  })

  it('streams a large body through without holding it, byte for byte', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x')
    const total = 24
    const hash = createHash('sha256')
    for (let i = 0; i < total; i++) hash.update(chunk)
    let release: () => void = () => undefined
    const released = new Promise<void>((resolve) => (release = resolve))
    const web = await upstream((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' })
      // Half now; the rest only once the client has received data: a proxy that buffered the
      // whole body would wait forever (and the test time out).
      for (let i = 0; i < total / 2; i++) res.write(chunk)
      void released.then(() => {
        for (let i = total / 2; i < total; i++) res.write(chunk)
        res.end()
      })
    })
    const { proxy } = await proxyTo(web.url)
    const received = await new Promise<{ bytes: number; digest: string }>((resolve, reject) => {
      request(`${proxy.url}/big.bin`, (res) => {
        const digest = createHash('sha256')
        let bytes = 0
        res.on('data', (c: Buffer) => {
          bytes += c.length
          digest.update(c)
          if (bytes > 0) release()
        })
        res.on('end', () => resolve({ bytes, digest: digest.digest('hex') }))
        res.on('error', reject)
      })
        .on('error', reject)
        .end()
    })
    expect(received.bytes).toBe(total * chunk.length)
    expect(received.digest).toBe(hash.digest('hex'))
  })

  it('asks upstream for identity encoding, and still injects into a page a server gzips anyway', async () => {
    const web = await upstream((_req, res) => {
      const body = gzipSync(PAGE)
      res.writeHead(200, { 'Content-Type': 'text/html', 'Content-Encoding': 'gzip', 'Content-Length': body.length }).end(body)
    })
    const { proxy } = await proxyTo(web.url)
    const reply = await send(proxy.url, '/', { headers: { 'accept-encoding': 'gzip, br' } })
    expect(web.seen[0]!.headers['accept-encoding']).toBe('identity')
    expect(reply.headers['content-encoding']).toBeUndefined()
    expect(reply.headers['content-length']).toBeUndefined()
    expect(reply.body.toString()).toContain('<head><script src="/__chaos-lab/reporter.js"></script>')
    expect(reply.body.toString()).toContain('Tables — ünïcode')
  })

  it('injects after <html> (or at the start) when a page has no <head>, and finds a <head> split across chunks', async () => {
    const web = await upstream((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' })
      if (req.url === '/no-head') return res.end('<html><body>bare</body></html>')
      if (req.url === '/fragment') return res.end('<p>just text</p>')
      res.write('<!doctype html><html><he')
      setTimeout(() => res.end('ad><title>t</title></head><body>split</body></html>'), 20)
    })
    const { proxy } = await proxyTo(web.url)
    expect((await send(proxy.url, '/no-head')).body.toString()).toMatch(/^<html><script src="\/__chaos-lab\/reporter\.js">.*<\/script><body>bare/)
    expect((await send(proxy.url, '/fragment')).body.toString()).toMatch(/^<script src="\/__chaos-lab\/reporter\.js">.*<\/script><p>just text<\/p>$/)
    expect((await send(proxy.url, '/split')).body.toString()).toMatch(/^<!doctype html><html><head><script src="\/__chaos-lab\/reporter\.js">.*<\/script><title>t<\/title>/)
  })

  it('forwards methods and bodies, rewrites Host, Origin and redirects, and never passes on the host\'s session cookie', async () => {
    const web = await upstream((req, res) => {
      if (req.url === '/old') return res.writeHead(302, { Location: `http://${req.headers.host}/new` }).end()
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}')
    })
    const { proxy } = await proxyTo(web.url)
    const reply = await send(proxy.url, '/api/query', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: 'chaoslab_token=secret; theme=dark', origin: proxy.url },
      body: '{"sql":"select 1"}',
    })
    expect(reply.status).toBe(200)
    const seen = web.seen[0]!
    expect(seen.method).toBe('POST')
    expect(seen.body).toBe('{"sql":"select 1"}')
    expect(seen.headers.host).toBe(new URL(web.url).host)
    expect(seen.headers.origin).toBe(web.url)
    expect(seen.headers.cookie).toBe('theme=dark')
    const redirect = await send(proxy.url, '/old')
    expect(redirect.status).toBe(302)
    expect(redirect.headers.location).toBe(`${proxy.url}/new`)
  })

  it('answers a clear error page when the web UI is down, and records it', async () => {
    const web = await upstream(() => undefined)
    const target = web.url
    await new Promise<void>((resolve) => web.server.close(() => resolve()))
    const { proxy, events } = await proxyTo(target)
    const page = await send(proxy.url, '/', { headers: { accept: 'text/html' } })
    expect(page.status).toBe(502)
    expect(page.headers['content-type']).toMatch(/^text\/html/)
    expect(page.body.toString()).toContain('connection refused')
    expect(page.body.toString()).toContain('Reload')
    const api = await send(proxy.url, '/api/tables', { headers: { accept: 'application/json' } })
    expect(api.status).toBe(502)
    expect(api.body.toString()).toMatch(/^Chaos Lab: Nothing answers at/)
    expect(events.filter((e) => e.kind === 'proxy-error').map((e) => e.url)).toEqual(['/', '/api/tables'])
  })

  it('takes page events from the page only, validated', async () => {
    const web = await upstream((_req, res) => res.end())
    const { proxy, events } = await proxyTo(web.url)
    const good = { events: [
      { kind: 'request', page: 'p1', at: 1, api: 'xhr', method: 'GET', url: '/api/tables/authors', ms: 1012.5, status: null, outcome: 'failed', error: 'error event' },
      { kind: 'error', page: 'p1', at: 2, message: 'SyntaxError: Unexpected end of JSON input', source: 'error', where: '/app.js:40' },
    ] }
    const post = (body: unknown, headers: Record<string, string> = {}) => send(proxy.url, '/__chaos-lab/events', { method: 'POST', headers: { 'content-type': 'application/json', origin: proxy.url, ...headers }, body: JSON.stringify(body) })
    expect((await post(good)).status).toBe(204)
    expect(events.map((e) => e.kind)).toEqual(['request', 'error'])
    expect((await post({ events: [{ kind: 'request', page: 'p1' }] })).status).toBe(400)
    expect((await post(good, { origin: 'http://127.0.0.1:1' })).status).toBe(403)
    // A page cannot pose as the proxy.
    expect((await post({ events: [{ kind: 'proxy-error', page: null, at: 1, url: '/', message: 'fake' }] })).status).toBe(204)
    expect(events).toHaveLength(2)
    expect(web.seen).toHaveLength(0)
  })

  it('tells open pages to reload', async () => {
    const web = await upstream((_req, res) => res.end())
    const { proxy } = await proxyTo(web.url)
    const got = await new Promise<string>((resolve, reject) => {
      request(`${proxy.url}/__chaos-lab/control`, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
          if (text.includes('\n\n') && !text.includes('event: reload')) expect(proxy.reload()).toBe(1)
          if (text.includes('event: reload')) {
            res.destroy()
            resolve(text)
          }
        })
      })
        .on('error', reject)
        .end()
    })
    expect(got).toContain('event: reload\n')
  })
})
