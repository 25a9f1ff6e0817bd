// Running one provider: a process in the lab VM (through the host's exec) or an HTTP request
// from the app (lab services are reachable on 127.0.0.1 through port forwards).
import { shellQuote } from '../sandbox/sshConnection'
import type { HttpOutput, HttpProvider, ProcessOutput, ProcessProvider, Provider } from './schema'

/** Where an experiment runs: the lab VM's shell, and fetch for HTTP providers. */
export interface ExperimentHost {
  /**
   * Runs `command` with sh in the VM. `timedOut` when it was killed at `timeoutMs`. A host that
   * can stop a running command early may honour `signal` (the runner waits for it either way).
   */
  exec(command: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>
  /** Defaults to the global fetch. */
  fetch?: typeof fetch
}

export const DEFAULT_PROCESS_TIMEOUT_S = 60
export const DEFAULT_HTTP_TIMEOUT_S = 30

export interface ProviderResult {
  output: ProcessOutput | HttpOutput | null
  /** Why the provider itself failed (it did not run to an answer), e.g. a timeout. */
  failure: string | null
  /** The command line or "GET http://..." that ran, for the journal and the report. */
  invocation: string
}

/** Runs a provider once; `env` is exported for a process (e.g. the value a probe tolerance checks). */
export async function runProvider(provider: Provider, host: ExperimentHost, options: { signal?: AbortSignal; env?: Record<string, string> } = {}): Promise<ProviderResult> {
  return provider.type === 'process' ? runProcess(provider, host, options) : runHttp(provider, host.fetch ?? fetch, options.signal)
}

/** The command line for a process provider: the path, then its arguments. */
export function processCommand(provider: ProcessProvider, env: Record<string, string> = {}): string {
  const path = /^[A-Za-z0-9_./~+:@%-]+$/.test(provider.path) ? provider.path : shellQuote(provider.path)
  const args = provider.arguments
  let tail = ''
  if (typeof args === 'string') tail = args.trim() === '' ? '' : ` ${args}`
  else if (Array.isArray(args)) tail = args.map((a) => ` ${shellQuote(String(a))}`).join('')
  else if (args) {
    // Chaos Toolkit's spec form: {flag: value}; an empty value means a bare flag.
    for (const [key, value] of Object.entries(args)) {
      tail += ` ${shellQuote(key)}`
      if (value !== null && value !== '') tail += ` ${shellQuote(String(value))}`
    }
  }
  const exports = Object.entries(env)
    .map(([key, value]) => `export ${key}=${shellQuote(value)}; `)
    .join('')
  return `${exports}${path}${tail}`
}

async function runProcess(provider: ProcessProvider, host: ExperimentHost, options: { signal?: AbortSignal; env?: Record<string, string> }): Promise<ProviderResult> {
  const invocation = processCommand(provider)
  const command = processCommand(provider, options.env)
  const seconds = provider.timeout ?? DEFAULT_PROCESS_TIMEOUT_S
  try {
    const result = await host.exec(command, { timeoutMs: Math.round(seconds * 1000), signal: options.signal })
    const output: ProcessOutput = { status: result.timedOut ? null : result.code, stdout: result.stdout, stderr: result.stderr }
    if (result.timedOut) return { output, failure: `it did not finish within ${seconds} s and was stopped`, invocation }
    return { output, failure: null, invocation }
  } catch (err) {
    return { output: null, failure: `it could not be run in the VM: ${(err as Error).message}`, invocation }
  }
}

async function runHttp(provider: HttpProvider, fetchImpl: typeof fetch, signal: AbortSignal | undefined): Promise<ProviderResult> {
  const method = (provider.method ?? 'GET').toUpperCase()
  const url = new URL(provider.url)
  const headers = new Headers(provider.headers ?? {})
  let body: string | undefined
  const args = provider.arguments
  if (args !== undefined) {
    if (method === 'GET' || method === 'HEAD') {
      if (typeof args === 'string') url.search = args
      else for (const [key, value] of Object.entries(args)) url.searchParams.append(key, typeof value === 'string' ? value : JSON.stringify(value))
    } else if (typeof args === 'string') {
      body = args
    } else if ((headers.get('content-type') ?? '').toLowerCase().includes('json')) {
      body = JSON.stringify(args)
    } else {
      const form = new URLSearchParams()
      for (const [key, value] of Object.entries(args)) form.append(key, typeof value === 'string' ? value : JSON.stringify(value))
      body = form.toString()
      if (!headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded')
    }
  }
  const invocation = `${method} ${url.toString()}`
  const timeout = provider.timeout
  const seconds = Array.isArray(timeout) ? timeout[0] + timeout[1] : (timeout ?? DEFAULT_HTTP_TIMEOUT_S)
  const timer = AbortSignal.timeout(Math.round(seconds * 1000))
  const combined = signal ? AbortSignal.any([signal, timer]) : timer
  try {
    const response = await fetchImpl(url, { method, headers, body, signal: combined, redirect: 'follow' })
    const text = await response.text()
    const responseHeaders: Record<string, string> = {}
    response.headers.forEach((value, key) => (responseHeaders[key] = value))
    let parsed: unknown = text
    if ((response.headers.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      try {
        parsed = JSON.parse(text)
      } catch {
        // Not JSON after all: keep the text.
      }
    }
    return { output: { status: response.status, headers: responseHeaders, body: parsed }, failure: null, invocation }
  } catch (err) {
    if (timer.aborted) return { output: null, failure: `no response from ${url.origin} within ${seconds} s`, invocation }
    if (signal?.aborted) return { output: null, failure: 'the request was cancelled because the experiment was stopped', invocation }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    const reason = cause?.code === 'ECONNREFUSED' ? 'the connection was refused (is the service running, and its port forwarded?)' : (cause?.message ?? (err as Error).message)
    return { output: null, failure: `the request to ${url.origin} failed: ${reason}`, invocation }
  }
}
