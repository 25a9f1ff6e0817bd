// Reads a Chaos Toolkit experiment (JSON or YAML) into a validated Experiment, or throws one
// AppError('lab-invalid') that lists every problem with where it is and how to fix it.
//
// Before the schema check, a pass over the raw document handles what a schema alone would
// report badly: activities that reference others (`ref`), providers Chaos Lab cannot run
// (python), unknown tolerance forms, and ${name} references, which are replaced with plain
// `configuration` (or inline `secrets`) values and refused when their value would come from the
// environment or a vault of the machine running Chaos Toolkit.
import { LineCounter, isMap, isPair, isScalar as isYamlScalar, isSeq, parseDocument, type Document } from 'yaml'
import type { z } from 'zod'
import { AppError } from '../errors'
import { wouldCutControlChannel } from '../labs/loader'
import { JsonPathError, parseJsonPath } from './jsonpath'
import {
  ACTION_KEYS,
  EXPERIMENT_KEYS,
  Experiment,
  HTTP_PROVIDER_KEYS,
  HTTP_TARGETS,
  HYPOTHESIS_KEYS,
  PAUSES_KEYS,
  PROBE_KEYS,
  PROCESS_PROVIDER_KEYS,
  PROCESS_TARGETS,
  type Activity,
  type ProcessProvider,
} from './schema'
import { compilePattern } from './tolerance'

export interface ExperimentProblem {
  /** Where, e.g. `method[1].provider.type` ("" for the whole document). */
  path: string
  /** The line in the file (1-based), when the place is in it; absent when it is not known. */
  line?: number
  message: string
  fix: string
}

/** `file.yaml:12: method[1].provider.type: message Fix: fix` — one problem on one line. */
export function formatProblem(fileName: string, problem: ExperimentProblem): string {
  const place = problem.line ? `${fileName}:${problem.line}` : fileName
  return `${place}: ${problem.path ? `${problem.path}: ` : ''}${problem.message} Fix: ${problem.fix}`
}

/** The AppError parseExperiment throws; `problems` has the same lines, structured. */
export class ExperimentInvalidError extends AppError {
  constructor(
    readonly fileName: string,
    readonly problems: ExperimentProblem[],
  ) {
    const first = problems[0]!
    const where = first.line ? ` (line ${first.line})` : ''
    super({
      code: 'lab-invalid',
      message:
        problems.length === 1
          ? `${fileName} is not a valid experiment${where}: ${first.message}`
          : `${fileName} is not a valid experiment: ${problems.length} problems, the first${where}: ${first.message}`,
      fix: problems.length === 1 ? first.fix : 'Fix each problem listed in the details, then load the experiment again.',
      details: problems.map((p) => formatProblem(fileName, p)),
    })
    this.name = 'ExperimentInvalidError'
  }
}

type PathSegment = string | number

export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else out += out === '' ? segment : `.${segment}`
  }
  return out
}

/** Parses and validates an experiment; `fileName` decides JSON or YAML (and names the file in messages). */
export function parseExperiment(text: string, fileName: string): Experiment {
  const { raw, lineOf } = readDocument(text, fileName)
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ExperimentInvalidError(fileName, [
      { path: '', line: 1, message: 'The file does not contain an experiment (a mapping with title, steady-state-hypothesis, method and rollbacks).', fix: 'Start from an example experiment in the lab documentation.' },
    ])
  }
  const doc = structuredClone(raw) as Record<string, unknown>
  const problems: ExperimentProblem[] = []
  const covered: string[] = []

  resolveReferences(doc, problems, covered)
  checkActivities(doc, problems, covered)
  substituteVariables(doc, problems, covered)

  const parsed = Experiment.safeParse(doc)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p): p is PathSegment => typeof p !== 'symbol')
      const where = formatPath(path)
      if (covered.some((prefix) => where === prefix || where.startsWith(`${prefix}.`) || where.startsWith(`${prefix}[`))) continue
      problems.push(issueToProblem(issue, path, doc))
    }
  }

  if (parsed.success) checkControlChannel(parsed.data, problems)

  if (problems.length > 0) {
    const located = dedupe(problems).map((p) => {
      const line = lineOf(p.path)
      return line === null ? p : { ...p, line }
    })
    throw new ExperimentInvalidError(fileName, sortByPlace(located))
  }
  return parsed.data!
}

interface ReadDocument {
  raw: unknown
  /** The line of the place a problem path names (or of its nearest ancestor in the file). */
  lineOf: (path: string) => number | null
}

function readDocument(text: string, fileName: string): ReadDocument {
  const lower = fileName.toLowerCase()
  const json = lower.endsWith('.json') || (!lower.endsWith('.yaml') && !lower.endsWith('.yml') && text.trimStart().startsWith('{'))
  const lineCounter = new LineCounter()
  if (json) {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (err) {
      const message = (err as Error).message
      const position = /position (\d+)/.exec(message)
      const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined
      throw new ExperimentInvalidError(fileName, [{ path: '', line, message: `JSON syntax error: ${message}`, fix: 'Fix the JSON syntax (a missing comma, quote or brace) at that position.' }])
    }
    // JSON is YAML: the YAML parser gives the positions JSON.parse does not keep.
    const doc = parseDocument(text, { lineCounter, prettyErrors: false })
    return { raw, lineOf: doc.errors.length === 0 ? (path) => locate(doc, lineCounter, path) : () => null }
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false })
  const error = doc.errors[0]
  if (error) {
    // Only the first: later YAML errors are almost always knock-on effects of it.
    const line = lineCounter.linePos(error.pos[0]).line
    throw new ExperimentInvalidError(fileName, [
      { path: '', line, message: `YAML syntax error at line ${line}: ${error.message.split('\n')[0]}`, fix: 'Fix the YAML syntax at this line (indentation, a missing colon or quote).' },
    ])
  }
  return { raw: doc.toJS(), lineOf: (path) => locate(doc, lineCounter, path) }
}

/** `method[1].provider.type` -> ['method', 1, 'provider', 'type'] */
function parsePath(path: string): PathSegment[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!))
}

/** The line of the deepest node on `path` that exists in the file: a key's own line for a mapping entry. */
function locate(doc: Document, lineCounter: LineCounter, path: string): number | null {
  let node: unknown = doc.contents
  let offset: number | null = isMap(node) || isSeq(node) ? (node.range?.[0] ?? null) : null
  for (const segment of parsePath(path)) {
    if (isMap(node) && typeof segment === 'string') {
      const pair = node.items.find((item) => isPair(item) && isYamlScalar(item.key) && String(item.key.value) === segment)
      if (!pair) break
      offset = (isYamlScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] } | undefined
      if (!item) break
      offset = item.range?.[0] ?? offset
      node = item
    } else {
      break
    }
  }
  return offset === null ? null : lineCounter.linePos(offset).line
}

/**
 * The safety rule labs follow, applied to imported experiments: a process command that would
 * cut Chaos Lab's SSH path into the VM (netem on the management NIC, an unscoped DROP) is refused.
 */
function checkControlChannel(experiment: Experiment, problems: ExperimentProblem[]): void {
  const lists: [string, Activity[]][] = [
    ['steady-state-hypothesis.probes', experiment['steady-state-hypothesis']?.probes ?? []],
    ['method', experiment.method],
    ['rollbacks', experiment.rollbacks],
  ]
  for (const [where, activities] of lists) {
    activities.forEach((activity, index) => {
      if (activity.provider.type !== 'process') return
      const cut = wouldCutControlChannel(plainCommand(activity.provider))
      if (!cut) return
      problems.push({
        path: `${where}[${index}].provider`,
        message: `Activity "${activity.name}" ${cut}, which would cut Chaos Lab's SSH connection to the VM.`,
        fix: 'Apply it on lo, docker0 or a lab network namespace, or filter it so TCP port 22 is never affected.',
      })
    })
  }
}

/** The command as words, unquoted: what the control-channel rule reads. */
function plainCommand(provider: ProcessProvider): string {
  const args = provider.arguments
  const words = typeof args === 'string' ? [args] : Array.isArray(args) ? args.map(String) : args ? Object.entries(args).flatMap(([k, v]) => (v === null || v === '' ? [k] : [k, String(v)])) : []
  return [provider.path, ...words].join(' ')
}

// ---------------------------------------------------------------------------------------------
// The raw pass

interface Slot {
  list: unknown[]
  index: number
  path: PathSegment[]
}

function activitySlots(doc: Record<string, unknown>): Slot[] {
  const slots: Slot[] = []
  const add = (list: unknown, path: PathSegment[]): void => {
    if (!Array.isArray(list)) return
    list.forEach((_, index) => slots.push({ list, index, path: [...path, index] }))
  }
  const hypothesis = doc['steady-state-hypothesis']
  if (isRecord(hypothesis)) add(hypothesis.probes, ['steady-state-hypothesis', 'probes'])
  add(doc.method, ['method'])
  add(doc.rollbacks, ['rollbacks'])
  return slots
}

/** Replaces `{ref: name}` entries with a copy of the activity declared under that name. */
function resolveReferences(doc: Record<string, unknown>, problems: ExperimentProblem[], covered: string[]): void {
  const slots = activitySlots(doc)
  const declared = new Map<string, unknown>()
  for (const slot of slots) {
    const activity = slot.list[slot.index]
    if (isRecord(activity) && typeof activity.name === 'string' && !('ref' in activity) && !declared.has(activity.name)) declared.set(activity.name, activity)
  }
  for (const slot of slots) {
    const activity = slot.list[slot.index]
    if (!isRecord(activity) || !('ref' in activity)) continue
    const where = formatPath(slot.path)
    covered.push(where)
    const target = typeof activity.ref === 'string' ? declared.get(activity.ref) : undefined
    if (!target) {
      problems.push({
        path: `${where}.ref`,
        message: `The activity at ${where} refers to ${JSON.stringify(activity.ref)}, but no activity with that name is declared in this experiment.`,
        fix: `Use the name of an activity declared in full elsewhere in the experiment (${[...declared.keys()].map((n) => `"${n}"`).join(', ') || 'none is'}).`,
      })
      continue
    }
    if (Object.keys(activity).length > 1) {
      problems.push({ path: where, message: 'An activity with "ref" must have no other keys.', fix: 'Keep only "ref", or declare the activity in full without "ref".' })
      continue
    }
    slot.list[slot.index] = structuredClone(target)
    covered.pop()
  }
}

const SUPPORTED_TOLERANCE_TYPES = ['regex', 'jsonpath', 'range', 'probe']

function checkActivities(doc: Record<string, unknown>, problems: ExperimentProblem[], covered: string[]): void {
  for (const slot of activitySlots(doc)) {
    const activity = slot.list[slot.index]
    if (!isRecord(activity)) continue
    const where = formatPath(slot.path)
    const name = typeof activity.name === 'string' ? activity.name : `#${slot.index + 1}`
    if (activity.background === true) {
      covered.push(`${where}.background`)
      problems.push({
        path: `${where}.background`,
        message: `Activity "${name}" runs in the background; Chaos Lab runs activities one after another.`,
        fix: 'Remove "background: true"; to keep something running, start it in the VM with a process provider (for example with nohup ... &) and stop it in a rollback.',
      })
    }
    checkProvider(activity, name, slot.path, problems, covered)
    if ('tolerance' in activity) {
      const providerType = isRecord(activity.provider) ? activity.provider.type : undefined
      checkTolerance(activity.tolerance, name, providerType, [...slot.path, 'tolerance'], problems, covered)
    }
  }
}

function checkProvider(activity: Record<string, unknown>, name: string, path: PathSegment[], problems: ExperimentProblem[], covered: string[]): void {
  const provider = activity.provider
  if (!isRecord(provider) || typeof provider.type !== 'string') return // the schema reports it
  const where = formatPath([...path, 'provider'])
  if (provider.type === 'python') {
    covered.push(where)
    const fn = typeof provider.module === 'string' && typeof provider.func === 'string' ? ` (${provider.module}.${provider.func})` : ''
    problems.push({
      path: `${where}.type`,
      message: `Activity "${name}" uses the python provider${fn}: the python provider runs Python code inside Chaos Toolkit's own process, and Chaos Lab runs experiments without Chaos Toolkit.`,
      fix: 'Rewrite it as a process provider running a script in the VM, e.g. provider: {type: process, path: python3, arguments: [/home/vagrant/check.py]}.',
    })
  } else if (provider.type !== 'process' && provider.type !== 'http') {
    covered.push(where)
    problems.push({
      path: `${where}.type`,
      message: `Activity "${name}" uses the provider type "${provider.type}", which Chaos Lab does not know.`,
      fix: 'Use type: process (a program run in the VM) or type: http (a request to a lab service).',
    })
  }
}

function checkTolerance(tolerance: unknown, name: string, providerType: unknown, path: PathSegment[], problems: ExperimentProblem[], covered: string[]): void {
  const where = formatPath(path)
  const refuse = (message: string, fix: string, at = where): void => {
    covered.push(where)
    problems.push({ path: at, message: `The tolerance of "${name}" ${message}`, fix })
  }
  const forms = 'Use an exit/HTTP status (0, 200), true/false, a string, [lowest, highest], or {type: regex | jsonpath | range | probe, ...}.'
  if (typeof tolerance === 'number') {
    if (!Number.isInteger(tolerance)) refuse(`is ${tolerance}; a number tolerance is an exit or HTTP status, a whole number.`, 'For a range of numbers, use [lowest, highest].')
    return
  }
  if (typeof tolerance === 'string' || typeof tolerance === 'boolean') return
  if (Array.isArray(tolerance)) {
    if (tolerance.length !== 2 || !tolerance.every((n) => typeof n === 'number')) {
      refuse('is a list; a list tolerance must be exactly two numbers, [lowest, highest].', 'To accept one of several values, use {type: regex, pattern: "^(200|204)$"}.')
    }
    return
  }
  if (!isRecord(tolerance)) {
    refuse('is empty or not a value Chaos Lab understands.', forms)
    return
  }
  if (typeof tolerance.type !== 'string') {
    refuse('is a mapping without a type.', `Add type: regex, jsonpath, range or probe. ${forms}`, `${where}.type`)
    return
  }
  if (!SUPPORTED_TOLERANCE_TYPES.includes(tolerance.type)) {
    refuse(`has the type "${tolerance.type}", which is not a tolerance type.`, `Use one of regex, jsonpath, range or probe. ${forms}`, `${where}.type`)
    return
  }
  if (tolerance.type === 'probe') {
    checkProvider(tolerance, typeof tolerance.name === 'string' ? tolerance.name : name, path, problems, covered)
    return
  }
  if (tolerance.type === 'regex' && typeof tolerance.pattern === 'string') {
    try {
      compilePattern(tolerance.pattern)
    } catch (err) {
      problems.push({ path: `${where}.pattern`, message: `The pattern /${tolerance.pattern}/ of "${name}" is not a valid regular expression: ${(err as Error).message}.`, fix: 'Correct the pattern (escape special characters such as ( ) [ ] . with a backslash).' })
    }
  }
  if (tolerance.type === 'jsonpath' && typeof tolerance.path === 'string') {
    try {
      parseJsonPath(tolerance.path)
    } catch (err) {
      const reason = err instanceof JsonPathError ? err.reason : (err as Error).message
      problems.push({ path: `${where}.path`, message: `The JSONPath ${tolerance.path} of "${name}" cannot be used: ${reason}.`, fix: 'Use $.a.b, $.a[0], $.a[*].b or $..b.' })
    }
  }
  const allowed: readonly string[] | null = providerType === 'process' ? PROCESS_TARGETS : providerType === 'http' ? HTTP_TARGETS : null
  if (allowed && typeof tolerance.target === 'string' && !allowed.includes(tolerance.target)) {
    covered.push(`${where}.target`)
    problems.push({
      path: `${where}.target`,
      message: `"${name}" is a ${String(providerType)} probe, which has no ${tolerance.target} to check.`,
      fix: `Use target: ${allowed.join(', ')}.`,
    })
  }
}

// ---------------------------------------------------------------------------------------------
// ${name} substitution

type Variable = { kind: 'value'; value: string } | { kind: 'refused'; message: string; fix: string }

function collectVariables(doc: Record<string, unknown>): Map<string, Variable> {
  const variables = new Map<string, Variable>()
  const source = (value: Record<string, unknown>): string | null => {
    if (value.type === 'env') return `the environment variable ${typeof value.key === 'string' ? value.key : '(unnamed)'} of the machine running the experiment`
    if (value.type === 'vault') return 'a HashiCorp Vault'
    return null
  }
  const secrets = doc.secrets
  if (isRecord(secrets)) {
    for (const [scope, entries] of Object.entries(secrets)) {
      if (!isRecord(entries)) continue
      for (const [key, value] of Object.entries(entries)) {
        if (isScalar(value)) variables.set(key, { kind: 'value', value: String(value) })
        else if (isRecord(value) && source(value)) {
          variables.set(key, {
            kind: 'refused',
            message: `the secret "${key}" (secrets.${scope}.${key}) comes from ${source(value)}, which Chaos Lab does not read.`,
            fix: `Use a value the lab can see: put it under configuration, e.g. configuration: {${key}: "..."} (lab secrets are not secret in the VM anyway).`,
          })
        }
      }
    }
  }
  const configuration = doc.configuration
  if (isRecord(configuration)) {
    for (const [key, value] of Object.entries(configuration)) {
      if (isScalar(value)) variables.set(key, { kind: 'value', value: String(value) })
      else if (isRecord(value) && source(value)) {
        variables.set(key, {
          kind: 'refused',
          message: `the configuration "${key}" comes from ${source(value)}, which Chaos Lab does not read.`,
          fix: `Give "${key}" a plain value under configuration, e.g. ${key}: "<the value>".`,
        })
      } else {
        variables.set(key, { kind: 'refused', message: `the configuration "${key}" is not a plain value (a string, number or boolean).`, fix: `Give "${key}" a plain value under configuration.` })
      }
    }
  }
  return variables
}

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/g

/**
 * Replaces ${name} in the title, description and every activity with plain configuration and
 * inline secret values. Unknown names stay as they are (Chaos Toolkit does the same), so shell
 * syntax such as ${HOME} in a process argument reaches the VM's shell untouched.
 */
function substituteVariables(doc: Record<string, unknown>, problems: ExperimentProblem[], covered: string[]): void {
  const variables = collectVariables(doc)
  if (variables.size === 0) return
  const visit = (value: unknown, path: PathSegment[], owner: string): unknown => {
    if (typeof value === 'string') {
      return value.replace(REFERENCE, (whole, name: string) => {
        const variable = variables.get(name)
        if (!variable) return whole
        if (variable.kind === 'value') return variable.value
        const where = formatPath(path)
        covered.push(where)
        problems.push({ path: where, message: `${owner} uses \${${name}}, but ${variable.message}`, fix: variable.fix })
        return whole
      })
    }
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i], owner))
    if (isRecord(value)) {
      for (const key of Object.keys(value)) value[key] = visit(value[key], [...path, key], owner)
      return value
    }
    return value
  }
  for (const key of ['title', 'description'] as const) if (key in doc) doc[key] = visit(doc[key], [key], `The ${key}`)
  const hypothesis = doc['steady-state-hypothesis']
  if (isRecord(hypothesis) && 'title' in hypothesis) hypothesis.title = visit(hypothesis.title, ['steady-state-hypothesis', 'title'], 'The hypothesis title')
  for (const slot of activitySlots(doc)) {
    const activity = slot.list[slot.index]
    const owner = isRecord(activity) && typeof activity.name === 'string' ? `Activity "${activity.name}"` : `The activity at ${formatPath(slot.path)}`
    slot.list[slot.index] = visit(activity, slot.path, owner)
  }
}

// ---------------------------------------------------------------------------------------------
// Schema issues in words

function issueToProblem(issue: z.core.$ZodIssue, path: PathSegment[], doc: unknown): ExperimentProblem {
  const where = formatPath(path)
  const label = where || 'the experiment'
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys
    const known = knownKeysAt(path, doc)
    if (keys.includes('tolerance') && known === ACTION_KEYS) {
      return { path: where, message: `The action ${activityName(doc, path)}has a tolerance; only probes are checked against a tolerance.`, fix: 'Change its type to probe, or remove the tolerance.' }
    }
    return {
      path: formatPath([...path, keys[0]!]),
      message: `Unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} in ${label}.`,
      fix: unknownKeyFix(keys[0]!, known),
    }
  }
  const value = getIn(doc, path)
  const inHypothesis = path[0] === 'steady-state-hypothesis' && path[1] === 'probes'
  if (value === undefined && path.at(-1) === 'tolerance' && inHypothesis) {
    return { path: where, message: `Probe ${activityName(doc, path)}in the steady-state hypothesis has no tolerance.`, fix: 'Add a tolerance saying what normal looks like, e.g. tolerance: 0 (exit status of a process) or tolerance: 200 (HTTP status).' }
  }
  if (path.at(-1) === 'type' && inHypothesis && value === 'action') {
    return { path: where, message: `Activity ${activityName(doc, path)}in the steady-state hypothesis is an action; the hypothesis only observes, with probes.`, fix: 'Make it a probe with a tolerance, or move it to the method.' }
  }
  if (value === undefined && path.length > 0) {
    return { path: where, message: `${label} is missing.`, fix: `Add "${String(path.at(-1))}" to ${formatPath(path.slice(0, -1)) || 'the experiment'} (it ${messageOf(issue)}).` }
  }
  if (issue.code === 'invalid_union' && path.at(-1) === 'provider') {
    return { path: where, message: `${label} has no valid type.`, fix: 'Use type: process (a program run in the VM) or type: http (a request to a lab service).' }
  }
  if (issue.code === 'invalid_union' && path.at(-1) === 'tolerance') {
    return { path: where, message: `${label} is not a tolerance Chaos Lab understands.`, fix: 'Check its keys against the tolerance forms: regex {pattern, target}, jsonpath {path, expect, count, target}, range {range, target}, probe {name, provider}.' }
  }
  if (issue.code === 'invalid_union' && typeof path.at(-1) === 'number') {
    return { path: where, message: `${label} has no valid type.`, fix: 'Use type: probe (it observes) or type: action (it changes something).' }
  }
  return { path: where, message: `${label} ${messageOf(issue)}.`, fix: `Correct the value of ${label}.` }
}

function activityName(doc: unknown, path: PathSegment[]): string {
  const index = path.findIndex((p) => typeof p === 'number')
  const activity = index >= 0 ? getIn(doc, path.slice(0, index + 1)) : undefined
  return isRecord(activity) && typeof activity.name === 'string' ? `"${activity.name}" ` : ''
}

function messageOf(issue: z.core.$ZodIssue): string {
  const message = issue.message.replace(/^Invalid input: /, '')
  if (/^(must|needs|should|is|has|background)/.test(message)) return message
  return `is invalid: ${message}`
}

function knownKeysAt(path: PathSegment[], doc: unknown): string[] | null {
  if (path.length === 0) return EXPERIMENT_KEYS
  const last = path.at(-1)
  const value = getIn(doc, path)
  const type = isRecord(value) ? value.type : undefined
  if (path.length === 1 && last === 'steady-state-hypothesis') return HYPOTHESIS_KEYS
  if (typeof last === 'number') return type === 'action' ? ACTION_KEYS : PROBE_KEYS
  if (last === 'provider') return type === 'http' ? HTTP_PROVIDER_KEYS : type === 'process' ? PROCESS_PROVIDER_KEYS : null
  if (last === 'pauses') return PAUSES_KEYS
  if (last === 'tolerance') {
    if (type === 'regex') return ['type', 'pattern', 'target']
    if (type === 'jsonpath') return ['type', 'path', 'expect', 'count', 'target']
    if (type === 'range') return ['type', 'range', 'target']
    if (type === 'probe') return ['type', 'name', 'provider']
  }
  return null
}

function unknownKeyFix(key: string, known: string[] | null): string {
  if (!known) return 'Remove it or fix its spelling.'
  const close = known.filter((k) => editDistance(k.toLowerCase(), key.toLowerCase()) <= 2 || k.replaceAll('-', '_') === key.replaceAll('-', '_')).sort((a, b) => editDistance(a, key) - editDistance(b, key))[0]
  const guess = close ? ` Did you mean "${close}"?` : ''
  return `Remove it or fix its spelling.${guess} Known keys here: ${known.join(', ')}.`
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

function getIn(value: unknown, path: PathSegment[]): unknown {
  let current = value
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === 'number') current = current[segment]
    else if (isRecord(current) && typeof segment === 'string') current = current[segment]
    else return undefined
  }
  return current
}

const SECTION_ORDER = ['', 'title', 'description', 'configuration', 'secrets', 'steady-state-hypothesis', 'method', 'rollbacks']

/** Problems in the order of the document: the header, the hypothesis, the method, the rollbacks. */
function sortByPlace(problems: ExperimentProblem[]): ExperimentProblem[] {
  const key = (problem: ExperimentProblem): [number, number] => {
    const section = /^[^.[]*/.exec(problem.path)![0]
    const rank = SECTION_ORDER.indexOf(section)
    const index = /\[(\d+)\]/.exec(problem.path)
    return [rank === -1 ? 0 : rank, index ? Number(index[1]) : -1]
  }
  return problems
    .map((problem, order) => ({ problem, order, key: key(problem) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.order - b.order)
    .map((entry) => entry.problem)
}

function dedupe(problems: ExperimentProblem[]): ExperimentProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.path}|${p.message}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}
