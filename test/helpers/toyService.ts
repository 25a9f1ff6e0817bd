// A small real HTTP service on 127.0.0.1 for experiments with http providers: healthy until
// POST /break, healthy again after POST /repair. Every request is recorded, so a test can check
// what an experiment really did (and that its rollbacks ran).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ToyService {
  url: string
  healthy: boolean
  /** "METHOD /path" of every request, in order. */
  requests: string[]
  close(): Promise<void>
}

export async function startToyService(): Promise<ToyService> {
  const state: Omit<ToyService, 'url' | 'close'> = { healthy: true, requests: [] }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    req.resume()
    req.on('end', () => {
      state.requests.push(`${req.method} ${url.pathname}`)
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(value))
      }
      if (url.pathname === '/health') {
        return state.healthy ? json(200, { status: 'ok', checks: [{ name: 'db', status: 'ok' }] }) : json(503, { status: 'degraded', checks: [{ name: 'db', status: 'failing' }] })
      }
      if ((url.pathname === '/break' || url.pathname === '/repair') && req.method === 'POST') {
        state.healthy = url.pathname === '/repair'
        res.writeHead(204).end()
        return
      }
      json(404, { error: 'not found' })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const service = state as ToyService
  service.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  service.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  return service
}

/**
 * A Chaos Toolkit experiment (YAML) against the toy service: the steady state is a healthy
 * /health; the method breaks it (or only looks, with `breaks: false`); the rollback repairs it.
 */
export function toyExperiment(url: string, options: { title?: string; breaks?: boolean; pauseAfter?: number } = {}): string {
  const { title = 'The toy service shrugs off a look', breaks = false, pauseAfter = 0 } = options
  return `# A Chaos Toolkit experiment with http providers only: it runs without the VM.
title: ${title}
description: The steady state is a healthy /health; the method ${breaks ? 'breaks the service' : 'only reads it'}.
steady-state-hypothesis:
  title: The service answers and every check is ok
  probes:
    - type: probe
      name: health-answers
      tolerance: 200
      provider:
        type: http
        url: ${url}/health
        timeout: 3
    - type: probe
      name: every-check-ok
      tolerance:
        type: jsonpath
        path: $.checks[*].status
        expect: [ok]
      provider:
        type: http
        url: ${url}/health
method:
  - type: action
    name: ${breaks ? 'break-the-service' : 'look-at-the-service'}
    provider:
      type: http
      method: ${breaks ? 'POST' : 'GET'}
      url: ${url}/${breaks ? 'break' : 'health'}
${pauseAfter > 0 ? `    pauses:\n      after: ${pauseAfter}\n` : ''}rollbacks:
  - type: action
    name: repair-the-service
    provider:
      type: http
      method: POST
      url: ${url}/repair
`
}
