// Every tolerance form against process and http outputs, both outcomes, and the words a
// learner reads when a probe is out of tolerance.
import { describe, expect, it } from 'vitest'
import { compilePattern, evaluateTolerance, toleranceMessage, type HttpOutput, type ProcessOutput, type StaticTolerance } from '../../../electron/core/experiments'

const proc = (status: number | null, stdout = '', stderr = ''): ProcessOutput => ({ status, stdout, stderr })
const http = (status: number, body: unknown = '', headers: Record<string, string> = {}): HttpOutput => ({ status, headers, body })

type Row = [string, StaticTolerance, ProcessOutput | HttpOutput, boolean, string]

const rows: Row[] = [
  // process: integer = exit status
  ['int, exit matches', 0, proc(0), true, 'expected exit status 0, observed exit status 0'],
  ['int, exit differs', 0, proc(3), false, 'expected exit status 0, observed exit status 3'],
  ['int, killed', 0, proc(null), false, 'expected exit status 0, observed no exit status (the command was killed)'],
  ['int, expecting a failure code', 1, proc(1), true, 'expected exit status 1, observed exit status 1'],
  // process: boolean = succeeded?
  ['true, exit 0', true, proc(0), true, 'expected the command to succeed (exit status 0), observed exit status 0'],
  ['true, exit 2', true, proc(2), false, 'expected the command to succeed (exit status 0), observed exit status 2'],
  ['false, exit 2', false, proc(2), true, 'expected the command to fail (a non-zero exit status), observed exit status 2'],
  ['false, exit 0', false, proc(0), false, 'expected the command to fail (a non-zero exit status), observed exit status 0'],
  ['false, killed', false, proc(null), false, 'expected the command to fail (a non-zero exit status), observed no exit status (the command was killed)'],
  // process: string = trimmed stdout
  ['string, stdout equal', 'active', proc(0, 'active\n'), true, "expected stdout to be 'active', observed 'active'"],
  ['string, stdout differs', 'active', proc(3, 'inactive\n'), false, "expected stdout to be 'active', observed 'inactive'"],
  ['string, stdout empty', 'active', proc(0, ''), false, "expected stdout to be 'active', observed nothing (empty)"],
  // process: [min, max] = numeric stdout
  ['range, inside', [0, 90], proc(0, '42\n'), true, "expected stdout to be a number from 0 to 90, observed '42'"],
  ['range, boundary', [0, 90], proc(0, '90'), true, "expected stdout to be a number from 0 to 90, observed '90'"],
  ['range, decimal inside', [0, 1.5], proc(0, '0.231'), true, "expected stdout to be a number from 0 to 1.5, observed '0.231'"],
  ['range, above', [0, 90], proc(0, '97\n'), false, "expected stdout to be a number from 0 to 90, observed '97'"],
  ['range, not a number', [0, 90], proc(0, 'Use%\n'), false, "expected stdout to be a number from 0 to 90, observed 'Use%', not a number"],
  ['range, empty', [0, 90], proc(0, ''), false, 'expected stdout to be a number from 0 to 90, observed nothing (empty), not a number'],
  // process: regex
  ['regex stdout, match', { type: 'regex', pattern: 'ready' }, proc(0, 'server ready\n'), true, "expected stdout to match /ready/, observed 'server ready'"],
  ['regex stdout, no match', { type: 'regex', pattern: 'ready' }, proc(0, 'starting\n'), false, "expected stdout to match /ready/, observed 'starting'"],
  ['regex anchored, trailing newline (Python $)', { type: 'regex', pattern: '^ready$' }, proc(0, 'ready\n'), true, "expected stdout to match /^ready$/, observed 'ready'"],
  ['regex stderr', { type: 'regex', pattern: 'refused', target: 'stderr' }, proc(7, '', 'curl: (7) connection refused\n'), true, "expected stderr to match /refused/, observed 'curl: (7) connection refused'"],
  ['regex status', { type: 'regex', pattern: '^(0|3)$', target: 'status' }, proc(4), false, "expected the exit status to match /^(0|3)$/, observed '4'"],
  ['regex python inline flag', { type: 'regex', pattern: '(?i)READY' }, proc(0, 'ready'), true, "expected stdout to match /(?i)READY/, observed 'ready'"],
  ['regex wrong target for a process', { type: 'regex', pattern: 'x', target: 'body' }, proc(0, 'x'), false, 'expected the response body to match /x/, observed no body (a process probe has stdout, stderr, status)'],
  // process: jsonpath on stdout
  ['jsonpath stdout, expect', { type: 'jsonpath', path: '$.state', expect: 'running' }, proc(0, '{"state":"running"}'), true, "expected $.state in stdout to be 'running', observed 'running'"],
  ['jsonpath stdout, differs', { type: 'jsonpath', path: '$.state', expect: 'running' }, proc(0, '{"state":"exited"}\n'), false, "expected $.state in stdout to be 'running', observed 'exited'"],
  ['jsonpath stdout, not JSON', { type: 'jsonpath', path: '$.state' }, proc(0, 'Error: no such container\n'), false, "expected $.state in stdout to match something, observed stdout that is not JSON: 'Error: no such container'"],
  // process: range object with a target
  ['range object on status', { type: 'range', range: [0, 1], target: 'status' }, proc(1), true, 'expected an exit status from 0 to 1, observed exit status 1'],
  ['range object on stdout', { type: 'range', range: [10, 20] }, proc(0, '25'), false, "expected stdout to be a number from 10 to 20, observed '25'"],

  // http: integer = status
  ['http int, matches', 200, http(200), true, 'expected HTTP status 200, observed HTTP status 200'],
  ['http int, differs', 200, http(503), false, 'expected HTTP status 200, observed HTTP status 503'],
  // http: boolean
  ['http true, 204', true, http(204), true, 'expected a successful HTTP status (below 400), observed HTTP status 204'],
  ['http true, 500', true, http(500), false, 'expected a successful HTTP status (below 400), observed HTTP status 500'],
  ['http false, 404', false, http(404), true, 'expected an HTTP error status (400 or above), observed HTTP status 404'],
  // http: string = trimmed body
  ['http string, body equal', 'pong', http(200, 'pong\n'), true, "expected the response body to be 'pong', observed 'pong'"],
  ['http string, body differs', 'pong', http(200, 'busy'), false, "expected the response body to be 'pong', observed 'busy'"],
  // http: [min, max] = status in range
  ['http range, 2xx', [200, 299], http(204), true, 'expected an HTTP status from 200 to 299, observed HTTP status 204'],
  ['http range, 5xx', [200, 299], http(502), false, 'expected an HTTP status from 200 to 299, observed HTTP status 502'],
  // http: regex on body (default), parsed JSON bodies are matched as JSON text
  ['http regex body', { type: 'regex', pattern: '"state":\\s*"healthy"' }, http(200, { state: 'healthy' }), true, 'expected the response body to match /"state":\\s*"healthy"/, observed \'{"state":"healthy"}\''],
  ['http regex body, no match', { type: 'regex', pattern: 'healthy' }, http(200, 'degraded'), false, "expected the response body to match /healthy/, observed 'degraded'"],
  ['http regex headers', { type: 'regex', pattern: 'no-store', target: 'headers' }, http(200, '', { 'cache-control': 'no-store' }), true, 'expected the response headers to match /no-store/, observed \'{"cache-control":"no-store"}\''],
  // http: jsonpath on body (parsed or text)
  ['http jsonpath list expect', { type: 'jsonpath', path: '$.checks[*].status', expect: ['ok', 'ok'] }, http(200, { checks: [{ status: 'ok' }, { status: 'ok' }] }), true, "expected $.checks[*].status in the response body to be ['ok', 'ok'], observed ['ok', 'ok']"],
  ['http jsonpath list expect, one failing', { type: 'jsonpath', path: '$.checks[*].status', expect: ['ok', 'ok'] }, http(200, { checks: [{ status: 'ok' }, { status: 'failing' }] }), false, "expected $.checks[*].status in the response body to be ['ok', 'ok'], observed ['ok', 'failing']"],
  ['http jsonpath on a text body', { type: 'jsonpath', path: '$.status', expect: 'ok' }, http(200, '{"status":"ok"}'), true, "expected $.status in the response body to be 'ok', observed 'ok'"],
  ['http jsonpath exists', { type: 'jsonpath', path: '$..disk' }, http(200, { a: { disk: 'full' } }), true, "expected $..disk in the response body to match something, observed 'full'"],
  ['http jsonpath missing', { type: 'jsonpath', path: '$..disk' }, http(200, { a: 1 }), false, 'expected $..disk in the response body to match something, observed no match'],
  ['http jsonpath count', { type: 'jsonpath', path: '$.items[*]', count: 2 }, http(200, { items: [1, 2, 3] }), false, 'expected $.items[*] in the response body to match 2 values, observed [1, 2, 3]'],
  ['http jsonpath number expect', { type: 'jsonpath', path: '$.replicas', expect: 3 }, http(200, { replicas: 3 }), true, 'expected $.replicas in the response body to be 3, observed 3'],
  ['http jsonpath object expect', { type: 'jsonpath', path: '$.db', expect: { up: true } }, http(200, { db: { up: true } }), true, 'expected $.db in the response body to be {"up":true}, observed {"up":true}'],
  // http: range object on a body number
  ['http range object on body', { type: 'range', range: [0, 100], target: 'body' }, http(200, '42'), true, "expected the response body to be a number from 0 to 100, observed '42'"],
]

describe('evaluateTolerance', () => {
  it.each(rows)('%s', (_label, tolerance, output, ok, message) => {
    const result = evaluateTolerance(tolerance, output)
    expect(result.ok).toBe(ok)
    expect(toleranceMessage(result)).toBe(message)
  })

  it('quotes and shortens long or multi-line output', () => {
    const long = 'x'.repeat(500)
    const result = evaluateTolerance('ok', proc(0, `line one\nline 'two'\n${long}`))
    expect(result.observed.startsWith("'line one\\nline \\'two\\'\\nxxx")).toBe(true)
    expect(result.observed.endsWith("…'")).toBe(true)
    expect(result.observed.length).toBeLessThan(200)
  })

  it('treats a reversed range like the same range', () => {
    expect(evaluateTolerance([90, 0], proc(0, '42')).ok).toBe(true)
  })
})

describe('compilePattern (Python re spellings)', () => {
  it.each([
    ['(?P<word>\\w+) (?P=word)', 'bye bye', true],
    ['\\Aready', 'ready now', true],
    ['\\Aready', 'not ready', false],
    ['done\\Z', 'all done', true],
    ['(?s)a.b', 'a\nb', true],
    ['(?m)^b$', 'a\nb\nc', true],
  ])('/%s/ on %j', (pattern, text, matches) => {
    expect(compilePattern(pattern).test(text)).toBe(matches)
  })

  it('refuses the verbose flag', () => {
    expect(() => compilePattern('(?x) a b')).toThrow(/verbose/)
  })
})
