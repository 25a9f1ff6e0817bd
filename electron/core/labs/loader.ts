// Loads lab folders from one or more roots (the app's labs/ and any pack the user picked).
// Every problem is reported with the file, the line and a fix; a broken lab is skipped and the
// others still load.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs'
import { join, relative } from 'node:path'
import { LineCounter, parseDocument, isMap, isScalar, type Document } from 'yaml'
import type { z } from 'zod'
import type { LabProblem, LabStep } from '../api'
import { LabManifest } from './schema'

export interface LoadedLab {
  manifest: LabManifest
  dir: string
  root: string
  steps: LabStep[]
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
        fix: 'Pick an existing folder, or remove it from the lab packs in Settings.',
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
    steps.push({ id: step.id, title: step.title, body: readFileSync(stepFile, 'utf8') })
  })

  if (problems.length > 0) return { lab: null, problems }
  return { lab: { manifest, dir, root, steps }, problems: [] }
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
  if (path.length === 0) return Object.keys(LabManifest.shape)
  if (path[0] === 'steps' && path.length === 2) return ['id', 'title']
  return null
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
