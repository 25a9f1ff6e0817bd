// Loads lab folders from one or more roots (the app's labs/ and any pack the user picked).
// Every problem is reported with the file, the line and a fix; a broken lab is skipped and the
// others still load.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml'
import type { z } from 'zod'
import type { LabProblem, LabStep } from '../api'
import { BrowserManifest, CheckManifest, FaultManifest, LabFile, LabManifest, SeriesManifest, StepManifest } from './schema'
import { chartProblems } from '../metrics/catalog'

export interface LoadedLab {
  manifest: LabManifest
  dir: string
  root: string
  steps: LabStep[]
  /** Things that work but probably should not stay (a step without a check). */
  warnings: LabProblem[]
}

export interface LoadResult {
  labs: LoadedLab[]
  problems: LabProblem[]
}

const MANIFEST = 'lab.yaml'

export function loadLabs(roots: readonly string[]): LoadResult {
  const labs: LoadedLab[] = []
  const problems: LabProblem[] = []
  const seen = new Map<string, string>()

  for (const root of roots) {
    if (!existsSync(root)) {
      problems.push({
        labDir: root,
        file: root,
        line: null,
        message: `The lab folder ${root} does not exist.`,
        fix: 'Connect the drive it is on, or remove the folder from the catalogue: on the Lab packs page (app bar), or from the --labs options.',
      })
      continue
    }
    for (const name of readdirSync(root).sort()) {
      const dir = join(root, name)
      if (name.startsWith('.') || !statSync(dir).isDirectory()) continue
      const result = loadLab(dir, root)
      problems.push(...result.problems)
      if (!result.lab) continue
      const previous = seen.get(result.lab.manifest.id)
      if (previous) {
        problems.push({
          labDir: dir,
          file: join(dir, MANIFEST),
          line: null,
          message: `Lab id "${result.lab.manifest.id}" is already used by ${previous}.`,
          fix: 'Give one of the two labs a different id (and folder name).',
        })
        continue
      }
      seen.set(result.lab.manifest.id, dir)
      labs.push(result.lab)
    }
  }
  return { labs, problems }
}

export function loadLab(dir: string, root: string): { lab: LoadedLab | null; problems: LabProblem[] } {
  const file = join(dir, MANIFEST)
  const problem = (message: string, fix: string, line: number | null = null, at = file): LabProblem => ({
    labDir: dir,
    file: at,
    line,
    message,
    fix,
  })

  if (!existsSync(file)) {
    return {
      lab: null,
      problems: [problem(`${relative(root, dir) || dir} has no ${MANIFEST}.`, `Add a ${MANIFEST} (see docs/lab-format.md), or move the folder out of the labs folder.`)],
    }
  }

  const lineCounter = new LineCounter()
  const doc = parseDocument(readFileSync(file, 'utf8'), { lineCounter, prettyErrors: false })
  if (doc.errors.length > 0) {
    return {
      lab: null,
      // Only the first: later YAML errors are almost always knock-on effects of it.
      problems: doc.errors.slice(0, 1).map((e) =>
        problem(`YAML syntax error: ${e.message.split('\n')[0]}`, 'Fix the YAML syntax at this line (indentation, a missing colon or quote).', lineCounter.linePos(e.pos[0]).line),
      ),
    }
  }

  const parsed = LabManifest.safeParse(doc.toJS())
  if (!parsed.success) {
    return { lab: null, problems: parsed.error.issues.map((issue) => issueToProblem(issue, doc, lineCounter, problem)) }
  }

  const manifest = parsed.data
  const problems: LabProblem[] = []
  const folderName = dir.split(/[\\/]/).pop()
  if (manifest.id !== folderName) {
    problems.push(problem(`The id "${manifest.id}" does not match the folder name "${folderName}".`, `Rename the folder to ${manifest.id}, or set id: ${folderName}.`, lineOf(doc, lineCounter, ['id'])))
  }

  const steps: LabStep[] = []
  manifest.steps.forEach((step, index) => {
    const stepFile = join(dir, 'steps', `${step.id}.md`)
    if (!existsSync(stepFile)) {
      problems.push(problem(`Step "${step.id}" has no text: steps/${step.id}.md is missing.`, `Create steps/${step.id}.md, or correct the step id.`, lineOf(doc, lineCounter, ['steps', index, 'id'])))
      return
    }
    steps.push({
      id: step.id,
      title: step.title,
      body: readFileSync(stepFile, 'utf8'),
      check: step.check ? { mode: step.check.mode, holdSeconds: step.check.holdSeconds } : null,
      hints: step.hints,
      solution: step.solution ?? null,
      canSkip: step.solve !== undefined,
      predict: step.predict ?? null,
      faults: step.faults,
    })
  })

  const warnings: LabProblem[] = []
  checkReferences(manifest, dir, doc, lineCounter, problem, problems, warnings)

  if (problems.length > 0) return { lab: null, problems }
  return { lab: { manifest, dir, root, steps, warnings }, problems: [] }
}

/** Interfaces a lab's network fault may touch without cutting the app's SSH path into the VM. */
const SAFE_DEVICES = /^(lo|docker\d*|veth\w*|br-\w+|cl-\w+|lab\w*)$/

/**
 * What zod cannot see: files that must exist, ids that must match, and faults that would cut
 * the control channel (SSH over the VM's management NIC) or could not be undone.
 */
function checkReferences(
  manifest: LabManifest,
  dir: string,
  doc: Document,
  lineCounter: LineCounter,
  problem: (message: string, fix: string, line: number | null) => LabProblem,
  problems: LabProblem[],
  warnings: LabProblem[],
): void {
  const at = (path: (string | number)[]): number | null => lineOf(doc, lineCounter, path)
  const needFile = (relativePath: string | undefined, path: (string | number)[], what: string): void => {
    if (relativePath === undefined) return
    if (relativePath.startsWith('/') || relativePath.split(/[\\/]/).includes('..')) {
      problems.push(problem(`${what} "${relativePath}" points outside the lab folder.`, 'Use a path inside the lab folder, e.g. scripts/setup.sh.', at(path)))
    } else if (!existsSync(join(dir, relativePath))) {
      problems.push(problem(`${what} "${relativePath}" does not exist.`, `Create ${relativePath} in the lab folder, or correct the path.`, at(path)))
    }
  }
  needFile(manifest.setup?.script, ['setup', 'script'], 'The setup script')
  needFile(manifest.cleanup?.script, ['cleanup', 'script'], 'The cleanup script')
  manifest.files.forEach((file, index) => needFile(join('files', file.from), ['files', index, 'from'], 'The file'))

  const faultIds = new Set<string>()
  manifest.faults.forEach((fault, index) => {
    if (faultIds.has(fault.id)) problems.push(problem(`Two faults are called "${fault.id}".`, 'Give each fault its own id.', at(['faults', index, 'id'])))
    faultIds.add(fault.id)
    const cut = wouldCutControlChannel(fault.inject)
    if (cut) problems.push(problem(`Fault "${fault.id}" ${cut}, which would cut Chaos Lab's SSH connection to the VM.`, 'Apply it on lo, docker0 or a lab network namespace, or filter it so TCP port 22 is never affected.', at(['faults', index, 'inject'])))
  })

  for (const { path, message, fix } of chartProblems(manifest)) problems.push(problem(`${path[0] === 'series' ? 'Series' : 'Chart'}: ${message}.`, fix, at(path)))

  manifest.steps.forEach((step, index) => {
    needFile(step.check?.script, ['steps', index, 'check', 'script'], 'The check script')
    needFile(step.solve?.script, ['steps', index, 'solve', 'script'], 'The solve script')
    step.faults.forEach((id, faultIndex) => {
      if (!faultIds.has(id)) problems.push(problem(`Step "${step.id}" uses fault "${id}", which the lab does not declare.`, `Declare it under faults:, or use one of: ${[...faultIds].join(', ') || '(none declared)'}.`, at(['steps', index, 'faults', faultIndex])))
    })
    if (!step.check) {
      warnings.push(problem(`Step "${step.id}" has no check, so the app cannot tell when it is done.`, 'Add a check: a command that exits 0 once the learner has done the step.', at(['steps', index, 'id'])))
    }
  })
}

/** Why a fault's inject command would hit the management NIC, or null when it would not. */
export function wouldCutControlChannel(inject: string): string | null {
  for (const match of inject.matchAll(/\btc\s+qdisc\s+(?:add|replace|change)\s+dev\s+(\S+)/g)) {
    const device = match[1]!
    if (!SAFE_DEVICES.test(device) && !/\bnetns\b|\bip\s+netns\s+exec\b/.test(inject)) return `changes the queueing discipline of ${device}`
  }
  for (const match of inject.matchAll(/\b(?:iptables|nft)\b[^;&|\n]*/g)) {
    const rule = match[0]
    const blocks = /-j\s+(DROP|REJECT)|\b(drop|reject)\b/.test(rule)
    const scoped = /(-i|-o)\s+(lo|docker\d*|veth\w*|br-\w+)|--dport|--sport|dport|sport|-p\s+udp|-s\s+\S+|-d\s+\S+/.test(rule)
    if (blocks && !scoped) return 'drops or rejects traffic without limiting it to a port, address or lab interface'
  }
  return null
}

function issueToProblem(
  issue: z.core.$ZodIssue,
  doc: Document,
  lineCounter: LineCounter,
  problem: (message: string, fix: string, line: number | null) => LabProblem,
): LabProblem {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol')
  const where = path.length > 0 ? path.join('.') : 'lab.yaml'
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys
    const known = knownKeysAt(path)
    return problem(
      `Unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')} in ${where}.`,
      unknownKeyFix(keys[0]!, known),
      lineOf(doc, lineCounter, path, keys[0]),
    )
  }
  const missing = issue.code === 'invalid_type' && doc.getIn(path) === undefined
  if (missing) {
    return problem(`${where} is missing.`, `Add "${String(path.at(-1))}:" to lab.yaml (${issue.message}).`, lineOf(doc, lineCounter, path.slice(0, -1)))
  }
  return problem(`${where}: ${issue.message}.`, `Correct the value of ${where}.`, lineOf(doc, lineCounter, path))
}

function knownKeysAt(path: (string | number)[]): string[] | null {
  const shapeKeys = (schema: { shape: Record<string, unknown> }): string[] => Object.keys(schema.shape)
  const key = path.filter((p) => typeof p === 'string').join('.')
  switch (key) {
    case '':
      return shapeKeys(LabManifest)
    case 'steps':
      return shapeKeys(StepManifest)
    case 'steps.check':
      return shapeKeys(CheckManifest)
    case 'faults':
      return shapeKeys(FaultManifest)
    case 'files':
      return shapeKeys(LabFile)
    case 'series':
      return shapeKeys(SeriesManifest)
    case 'browser':
      return shapeKeys(BrowserManifest)
    case 'setup':
    case 'cleanup':
    case 'steps.solve':
      return ['script', 'run']
    default:
      return null
  }
}

/** 1-based line of the YAML node at `path` (or of its key `key`), or null when it cannot be found. */
function lineOf(doc: Document, lineCounter: LineCounter, path: (string | number)[], key?: string): number | null {
  const node = path.length === 0 ? doc.contents : doc.getIn(path, true)
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key)
    const range = pair && isScalar(pair.key) ? pair.key.range : undefined
    if (range) return lineCounter.linePos(range[0]).line
  }
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range
  return range ? lineCounter.linePos(range[0]).line : null
}

function unknownKeyFix(key: string, known: string[] | null): string {
  if (!known) return 'Remove it or fix its spelling.'
  const close = known.filter((k) => editDistance(k, key) <= 2).sort((a, b) => editDistance(a, key) - editDistance(b, key))[0]
  const guess = close ? ` Did you mean "${close}"?` : ''
  return `Remove it or fix its spelling.${guess} Known keys here: ${known.join(', ')}.`
}

/** Levenshtein distance: small key names only, so the plain O(n·m) table is fine. */
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
