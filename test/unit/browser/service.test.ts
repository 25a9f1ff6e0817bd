// Browser sessions: page events kept and summarized, the page state written where checks read it
// (here the local stand-in for the VM's /run/chaos-lab/browser), reloads when the lab's faults change.
import { afterEach, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { summarize, type PageEvent } from '../../../electron/core/browser/events'
import { BrowserService } from '../../../electron/core/browser/service'
import { localBrowserSources, parseScriptListing } from '../../../electron/core/browser/sources'
import { tempDir } from '../../helpers/tmp'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const request_ = (page: string, ms: number, outcome: 'ok' | 'failed' | 'http-error' = 'ok', api: 'xhr' | 'fetch' = 'xhr'): PageEvent => ({
  kind: 'request', page, at: 0, api, method: 'GET', url: '/api', ms, status: outcome === 'failed' ? null : outcome === 'ok' ? 200 : 500, outcome, error: outcome === 'failed' ? 'error event' : null,
})
const load = (page: string, wrapped = { xhr: false, fetch: false }): PageEvent => ({ kind: 'load', page, at: 0, url: '/', title: 'T', wrapped, scripts: [] })

describe('page summaries', () => {
  it('judge the latest page load by its id, with latency percentiles over every request', () => {
    const events: PageEvent[] = [
      load('old'),
      request_('old', 5, 'failed'),
      // The new page's first requests arrive before its load event.
      request_('new', 1000),
      request_('new', 1010, 'ok', 'fetch'),
      load('new', { xhr: true, fetch: true }),
      request_('new', 3, 'failed'),
      request_('new', 1020, 'http-error'),
      { kind: 'error', page: 'new', at: 0, message: 'SyntaxError: Unexpected end of JSON input', source: 'error', where: '/app.js:1' },
      { kind: 'stuck', page: 'new', at: 0, label: 'rows' },
      { kind: 'stuck', page: 'new', at: 0, label: 'info' },
      { kind: 'unstuck', page: 'new', at: 0, label: 'info' },
      // A late report from the old page does not count for the new one.
      { kind: 'ui-error', page: 'old', at: 0, text: 'old banner' },
    ]
    const summary = summarize(events, 42)
    expect(summary.loads).toBe(2)
    expect(summary.total).toEqual({ requests: 5, failed: 2, uncaughtErrors: 1, uiErrors: 1 })
    const current = summary.current!
    expect(current.page).toBe('new')
    expect(current.wrapped).toEqual({ xhr: true, fetch: true })
    expect([current.requests, current.xhr, current.fetch, current.failed, current.httpErrors]).toEqual([4, 3, 1, 1, 1])
    expect(current.latencyMs).toEqual({ p50: 1000, p90: 1020, p99: 1020, max: 1020 })
    expect(current.uncaughtErrors).toBe(1)
    expect(current.lastError).toBe('SyntaxError: Unexpected end of JSON input')
    expect(current.uiErrors).toBe(0)
    expect(current.stuck).toEqual(['rows'])
    expect(summary.updatedAt).toBe(42)
  })

  it('parse the VM\'s listing of injected scripts', () => {
    const listing = `10-slow.js\n${Buffer.from('const a = "é"\n').toString('base64')}\n20-fail.js\n\n`
    expect(parseScriptListing(listing)).toEqual([{ name: '10-slow.js', code: 'const a = "é"\n' }, { name: '20-fail.js', code: '' }])
    expect(parseScriptListing('')).toEqual([])
  })
})

describe('browser sessions', () => {
  async function webServer(): Promise<string> {
    const server: Server = createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><head></head><body>hi</body></html>'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('keep what the page reports and write the page state for the checks', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const scriptsDir = join(dir.path, 'inject')
    mkdirSync(scriptsDir)
    writeFileSync(join(scriptsDir, '20-fail.js'), 'window.b = 1')
    writeFileSync(join(scriptsDir, '10-slow.js'), 'window.a = 1')
    writeFileSync(join(scriptsDir, 'notes.txt'), 'not a script')
    const stateDir = join(dir.path, 'state')
    const service = new BrowserService(localBrowserSources({ url: await webServer(), scriptsDir, stateDir }))
    cleanups.push(() => service.dispose())
    const updates: number[] = []
    service.onPage((u) => updates.push(u.summary.current?.requests ?? -1))

    const opened = await service.open('demo', { port: 8081, path: '/start', inject: '/run/x' })
    expect(opened.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/start$/)
    expect(opened.target).toMatch(/test server/)
    // Opening again is the same session.
    expect((await service.open('demo', { port: 8081, path: '/start', inject: '/run/x' })).url).toBe(opened.url)

    // The state file exists as soon as the pane is open: checks tell "no page yet" from "pane never opened".
    const stateFile = join(stateDir, 'demo.json')
    await waitFor(() => existsSync(stateFile))
    expect(JSON.parse(readFileSync(stateFile, 'utf8')).summary.loads).toBe(0)

    const html = await get(opened.url)
    expect(html).toMatch(/data-scripts="10-slow\.js,20-fail\.js"/)

    const origin = new URL(opened.url).origin
    await post(`${origin}/__chaos-lab/events`, { events: [load('p', { xhr: true, fetch: false }), request_('p', 1200), request_('p', 2, 'failed')] }, origin)
    expect(updates).toEqual([2])
    expect(service.events('demo').summary.current!.failed).toBe(1)
    await waitFor(() => JSON.parse(readFileSync(stateFile, 'utf8')).summary.loads === 1)
    const state = JSON.parse(readFileSync(stateFile, 'utf8'))
    expect(state.labId).toBe('demo')
    expect(state.summary.current.wrapped.xhr).toBe(true)
    expect(state.recent).toHaveLength(3)

    await service.close('demo')
    expect(service.events('demo').events).toEqual([])
  })

  it('reload the lab\'s pages when its faults change, not when another lab\'s do', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const service = new BrowserService(localBrowserSources({ url: await webServer(), scriptsDir: dir.path, stateDir: dir.path }), () => ['demo:slow'])
    cleanups.push(() => service.dispose())
    const opened = await service.open('demo', { port: 1, path: '/', inject: null })
    const reloads: string[] = []
    const control = request(`${new URL(opened.url).origin}/__chaos-lab/control`, (res) => res.on('data', (c: Buffer) => c.toString().includes('event: reload') && reloads.push('reload')))
    control.end()
    cleanups.push(() => void control.destroy())
    await new Promise((r) => setTimeout(r, 100))
    service.faultsChanged(['demo:slow'])
    service.faultsChanged(['demo:slow', 'other:x'])
    await new Promise((r) => setTimeout(r, 100))
    expect(reloads).toEqual([])
    service.faultsChanged(['demo:slow', 'demo:fail'])
    await waitFor(() => reloads.length === 1)
    service.faultsChanged([])
    await waitFor(() => reloads.length === 2)
  })
})

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 20))
  }
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve(body))
    })
      .on('error', reject)
      .end()
  })
}

function post(url: string, body: unknown, origin: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { method: 'POST', headers: { 'content-type': 'application/json', origin } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
      .on('error', reject)
      .end(JSON.stringify(body))
  })
}
