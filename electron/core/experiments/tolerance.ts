// Tolerances: does a probe's output fall within what "normal" allows? Each check also says, in
// words, what it expected and what it observed, so a failed hypothesis reads like
// "expected exit status 0, observed exit status 3" rather than "tolerance not met".
//
// process output {status, stdout, stderr}:
//   0 (an integer)   the exit status equals it
//   true / false     the command succeeded (exit 0) / failed (non-zero)
//   "text"           stdout, trimmed, equals it
//   [min, max]       stdout is a number within [min, max]
// http output {status, headers, body}:
//   200              the HTTP status equals it
//   true / false     the status is below 400 / 400 or above
//   "text"           the body, trimmed, equals it
//   [min, max]       the HTTP status is within [min, max]
// both: {type: regex, pattern, target}, {type: jsonpath, path, expect?, count?, target},
//       {type: range, range: [min, max], target}; target defaults to stdout / body
//       (range: stdout / status).
import { isProcessOutput, type ActivityOutput, type StaticTolerance } from './schema'
import { parseJsonPath, queryJsonPath } from './jsonpath'

export interface ToleranceResult {
  ok: boolean
  /** What the tolerance wanted, e.g. "exit status 0" or "stdout to match /ready/". */
  expected: string
  /** What the probe returned, e.g. "exit status 3" or "'starting'". */
  observed: string
}

/** "expected exit status 0, observed exit status 3" */
export function toleranceMessage(result: Pick<ToleranceResult, 'expected' | 'observed'>): string {
  return `expected ${result.expected}, observed ${result.observed}`
}

export function evaluateTolerance(tolerance: StaticTolerance, output: ActivityOutput): ToleranceResult {
  const process = isProcessOutput(output)
  if (typeof tolerance === 'number') {
    if (process) return result(output.status === tolerance, `exit status ${tolerance}`, exitStatus(output.status))
    return result(output.status === tolerance, `HTTP status ${tolerance}`, `HTTP status ${output.status}`)
  }
  if (typeof tolerance === 'boolean') {
    if (process) {
      const expected = tolerance ? 'the command to succeed (exit status 0)' : 'the command to fail (a non-zero exit status)'
      return result(output.status !== null && (output.status === 0) === tolerance, expected, exitStatus(output.status))
    }
    const expected = tolerance ? 'a successful HTTP status (below 400)' : 'an HTTP error status (400 or above)'
    return result(output.status < 400 === tolerance, expected, `HTTP status ${output.status}`)
  }
  if (typeof tolerance === 'string') {
    const target = process ? 'stdout' : 'body'
    const text = asText(targetValue(output, target).value).trim()
    return result(text === tolerance, `${targetLabel(target, process)} to be ${quote(tolerance)}`, describeText(text))
  }
  if (Array.isArray(tolerance)) {
    return rangeCheck(output, process ? 'stdout' : 'status', tolerance[0], tolerance[1])
  }
  switch (tolerance.type) {
    case 'range':
      return rangeCheck(output, tolerance.target ?? (process ? 'stdout' : 'status'), tolerance.range[0], tolerance.range[1])
    case 'regex': {
      const target = tolerance.target ?? (process ? 'stdout' : 'body')
      const found = targetValue(output, target)
      const expected = `${targetLabel(target, process)} to match /${tolerance.pattern}/`
      if (found.missing) return result(false, expected, found.missing)
      let regex: RegExp
      try {
        regex = compilePattern(tolerance.pattern)
      } catch (err) {
        return result(false, expected, `an invalid pattern (${(err as Error).message})`)
      }
      const text = asText(found.value)
      // Python's `$` also matches before a final newline, and command output ends in one.
      const ok = regex.test(text) || (text.endsWith('\n') && regex.test(text.slice(0, -1)))
      return result(ok, expected, describeText(text))
    }
    case 'jsonpath': {
      const target = tolerance.target ?? (process ? 'stdout' : 'body')
      const found = targetValue(output, target)
      const label = targetLabel(target, process)
      const hasExpect = 'expect' in tolerance && tolerance.expect !== undefined
      const wants: string[] = []
      if (hasExpect) wants.push(`to be ${describeValues(Array.isArray(tolerance.expect) ? tolerance.expect : [tolerance.expect])}`)
      if (tolerance.count !== undefined) wants.push(`to match ${tolerance.count} value${tolerance.count === 1 ? '' : 's'}`)
      if (wants.length === 0) wants.push('to match something')
      const expected = `${tolerance.path} in ${label} ${wants.join(' and ')}`
      if (found.missing) return result(false, expected, found.missing)
      let document = found.value
      if (typeof found.value === 'string') {
        const text = found.value
        try {
          document = JSON.parse(text)
        } catch {
          return result(false, expected, `${label} that is not JSON: ${describeText(text)}`)
        }
      }
      let values: unknown[]
      try {
        values = queryJsonPath(document, parseJsonPath(tolerance.path))
      } catch (err) {
        return result(false, expected, (err as Error).message)
      }
      let ok = values.length > 0
      if (tolerance.count !== undefined) ok = values.length === tolerance.count
      if (hasExpect) {
        const wanted = Array.isArray(tolerance.expect) ? tolerance.expect : [tolerance.expect]
        ok = deepEqual(values, wanted) && (tolerance.count === undefined || values.length === tolerance.count)
      }
      return result(ok, expected, values.length === 0 ? 'no match' : describeValues(values))
    }
  }
}

function rangeCheck(output: ActivityOutput, target: string, min: number, max: number): ToleranceResult {
  const [low, high] = min <= max ? [min, max] : [max, min]
  const process = isProcessOutput(output)
  const label = targetLabel(target, process)
  const expected = target === 'status' ? `${process ? 'an exit status' : 'an HTTP status'} from ${low} to ${high}` : `${label} to be a number from ${low} to ${high}`
  const found = targetValue(output, target)
  if (found.missing) return result(false, expected, found.missing)
  const raw = found.value
  const number = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : Number.NaN
  const observed = target === 'status' ? (isProcessOutput(output) ? exitStatus(output.status) : `HTTP status ${output.status}`) : describeText(asText(raw).trim())
  if (!Number.isFinite(number)) return result(false, expected, `${observed}, not a number`)
  return result(number >= low && number <= high, expected, observed)
}

function result(ok: boolean, expected: string, observed: string): ToleranceResult {
  return { ok, expected, observed }
}

function targetValue(output: ActivityOutput, target: string): { value: unknown; missing?: string } {
  const process = isProcessOutput(output)
  const allowed = process ? ['stdout', 'stderr', 'status'] : ['body', 'status', 'headers']
  if (!allowed.includes(target)) {
    return { value: undefined, missing: `no ${target} (a ${process ? 'process' : 'http'} probe has ${allowed.join(', ')})` }
  }
  return { value: (output as unknown as Record<string, unknown>)[target] }
}

function targetLabel(target: string, process: boolean): string {
  switch (target) {
    case 'status':
      return process ? 'the exit status' : 'the HTTP status'
    case 'body':
      return 'the response body'
    case 'headers':
      return 'the response headers'
    default:
      return target
  }
}

function exitStatus(status: number | null): string {
  return status === null ? 'no exit status (the command was killed)' : `exit status ${status}`
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === undefined || value === null) return ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

const MAX_SHOWN = 160

/** A string for a message: quoted, newlines visible, long text cut. */
export function quote(text: string): string {
  const escaped = text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\r', '\\r').replaceAll('\t', '\\t').replaceAll("'", "\\'")
  return `'${escaped.length > MAX_SHOWN ? `${escaped.slice(0, MAX_SHOWN)}…` : escaped}'`
}

function describeText(text: string): string {
  const shown = text.endsWith('\n') ? text.slice(0, -1) : text
  return shown === '' ? 'nothing (empty)' : quote(shown)
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return quote(value)
  const json = JSON.stringify(value) ?? String(value)
  return json.length > MAX_SHOWN ? `${json.slice(0, MAX_SHOWN)}…` : json
}

function describeValues(values: unknown[]): string {
  if (values.length === 1) return describeValue(values[0])
  return `[${values.map(describeValue).join(', ')}]`
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const other = b as unknown[]
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]))
  }
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = Object.keys(left)
  return keys.length === Object.keys(right).length && keys.every((key) => Object.hasOwn(right, key) && deepEqual(left[key], right[key]))
}

/**
 * Compiles a Chaos Toolkit (Python `re`) pattern as a JavaScript RegExp, searching anywhere in
 * the text like re.search. The common Python-only spellings are translated: a leading inline
 * flag group such as (?i), named groups (?P<name>...) and (?P=name), and \A / \Z.
 */
export function compilePattern(pattern: string): RegExp {
  let source = pattern
  let flags = ''
  const inline = /^\(\?([aiLmsux]+)\)/.exec(source)
  if (inline) {
    source = source.slice(inline[0].length)
    for (const flag of inline[1]!) {
      if (flag === 'i' || flag === 'm' || flag === 's') flags += flags.includes(flag) ? '' : flag
      else if (flag === 'x') throw new Error('the verbose flag (?x) is not supported')
    }
  }
  source = source
    .replaceAll('(?P<', '(?<')
    .replace(/\(\?P=([A-Za-z_][A-Za-z0-9_]*)\)/g, '\\k<$1>')
    .replaceAll('\\A', '^')
    .replaceAll('\\Z', '$(?![\\s\\S])')
  return new RegExp(source, flags)
}
