// `chaos-lab experiment validate|run` as a user runs them: real CLI processes, real files, a
// real HTTP service on 127.0.0.1 for experiments with http providers (they need no VM), real
// exit codes, a real Ctrl+C, and the run kept in the same database the app reads.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { ExperimentRun } from '../../../electron/core/api'
import { Core } from '../../../electron/core/core'
import { unwrap } from '../../../electron/core/errors'
import type { Journal } from '../../../electron/core/experiments'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'
import { startToyService, toyExperiment, type ToyService } from '../../helpers/toyService'

const FIXTURES = join(REPO_ROOT, 'test', 'fixtures')
let toy: ToyService
let dir: ReturnType<typeof tempDir>

beforeAll(async () => {
  toy = await startToyService()
})
afterAll(() => toy.close())
beforeEach(() => {
  toy.healthy = true
  toy.requests = []
  dir = tempDir('chaos-lab-cli-experiment-')
})
afterEach(() => dir.cleanup())

interface Cli {
  code: Promise<number>
  stdout: () => string
  stderr: () => string
  kill: (signal: NodeJS.Signals) => void
}

/** The CLI in its own Node process (no wrapper in between, so Ctrl+C reaches it as it would). */
function cli(...args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron', 'cli', 'main.ts'), ...args, '--data-dir', join(dir.path, 'data')], { cwd: REPO_ROOT })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  return {
    code: new Promise((resolve) => child.on('close', (code) => (clearTimeout(timer), resolve(code ?? -1)))),
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal) => child.kill(signal),
  }
}

const write = (name: string, content: string): string => {
  const path = join(dir.path, name)
  writeFileSync(path, content)
  return path
}

describe('chaos-lab experiment validate', { timeout: 60_000 }, () => {
  it('accepts a good experiment and says whether it needs the VM', async () => {
    const run = cli('experiment', 'validate', write('toy.yaml', toyExperiment(toy.url)), join(FIXTURES, 'labs-engine', 'experiments', 'loopback-stays-fast.yaml'))
    expect(await run.code).toBe(0)
    expect(run.stdout()).toContain(`ok  ${join(dir.path, 'toy.yaml')}: "The toy service shrugs off a look"`)
    expect(run.stdout()).toContain('2 steady-state probes, 1 method activity, 1 rollback; http providers only: runs without the VM')
    expect(run.stdout()).toContain('1 steady-state probe, 2 method activities, 1 rollback; runs commands in the lab VM (process providers)')
    expect(run.stderr()).toBe('')
    // Nothing ran.
    expect(toy.requests).toEqual([])
  })

  it('reports every problem with file:line and a fix, and exits 1', async () => {
    const file = join(FIXTURES, 'experiments', 'many-problems.yaml')
    const run = cli('experiment', 'validate', file)
    expect(await run.code).toBe(1)
    expect(run.stdout()).toBe(`FAIL ${file}: 7 problems\n`)
    const lines = run.stderr().trimEnd().split('\n')
    expect(lines).toHaveLength(14)
    expect(lines[0]).toBe(`${file}:2: error: steady_state_hypothesis: Unknown key "steady_state_hypothesis" in the experiment.`)
    expect(lines[1]).toMatch(/^ {2}fix: Remove it or fix its spelling\. Did you mean "steady-state-hypothesis"\?/)
    expect(lines).toContain(`${file}:27: error: rollbacks[0].ref: The activity at rollbacks[0] refers to "no-such-activity", but no activity with that name is declared in this experiment.`)
  })

  it('refuses a python provider and a missing file clearly', async () => {
    const python = cli('experiment', 'validate', join(FIXTURES, 'experiments', 'python-provider.json'))
    expect(await python.code).toBe(1)
    expect(python.stderr()).toMatch(/python-provider\.json:20: error: method\[0\]\.provider\.type: Activity "terminate-one-front-pod" uses the python provider/)
    const missing = cli('experiment', 'validate', join(dir.path, 'nope.yaml'))
    expect(await missing.code).toBe(1)
    expect(missing.stderr()).toBe(`error: There is no file at ${join(dir.path, 'nope.yaml')}.\n  fix: Check the path of the experiment file (JSON or YAML).\n`)
  })
})

describe('chaos-lab experiment run (http providers, no VM)', { timeout: 60_000 }, () => {
  it('runs it, prints progress and the result, writes the journal and the report, and the app lists the run', async () => {
    const journalPath = join(dir.path, 'out.json')
    const reportPath = join(dir.path, 'out.md')
    const run = cli('experiment', 'run', write('toy.yaml', toyExperiment(toy.url)), '--journal', journalPath, '--markdown', reportPath)
    expect(await run.code).toBe(0)
    const out = run.stdout().split('\n')
    expect(out[0]).toMatch(/^COMPLETED {2}The toy service shrugs off a look \d+\.\d s$/)
    expect(out[1]).toBe('  The steady state held before and after the method.')
    expect(out).toContain('  method     ok   action look-at-the-service')
    expect(out).toContain('  rollback   ok   action repair-the-service')
    expect(out).toContain(`journal: ${journalPath}`)
    expect(run.stderr()).toMatch(/\d\d:\d\d:\d\d Checking the steady state before the method\n/)
    expect(run.stderr()).toMatch(/ok {3}The probe "health-answers" is within tolerance: expected HTTP status 200, observed HTTP status 200/)
    expect(toy.requests.at(-1)).toBe('POST /repair')

    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as Journal
    expect(journal).toMatchObject({ status: 'completed', deviated: false, experiment: { title: 'The toy service shrugs off a look' } })
    expect(readFileSync(reportPath, 'utf8')).toMatch(/^# Experiment: The toy service shrugs off a look\n[\s\S]*## Rollbacks/)

    // The same run, in the app's database.
    const core = new Core({ host: 'browser', version: '0', dataDir: join(dir.path, 'data'), labRoots: [], vagrantDir: join(REPO_ROOT, 'vagrant') })
    try {
      const { runs } = unwrap(await core.call('experiments:list', undefined)) as { runs: ExperimentRun[] }
      expect(runs).toEqual([expect.objectContaining({ experimentId: null, title: 'The toy service shrugs off a look', status: 'completed' })])
      expect(out).toContain(`  run #${runs[0]!.id}, kept with the app's past runs`)
      expect((unwrap(await core.call('experiments:result', { runId: runs[0]!.id })) as ExperimentRun).journal).toEqual(journal)
    } finally {
      core.dispose()
    }
  })

  it('a deviated run exits 1 and says why, and its rollback still ran', async () => {
    const run = cli('experiment', 'run', write('break.json', JSON.stringify(toYamlAsJson(toyExperiment(toy.url, { title: 'Breaking it', breaks: true })))))
    expect(await run.code).toBe(1)
    expect(run.stdout()).toMatch(/^DEVIATED {2}Breaking it/)
    expect(run.stdout()).toContain('  after      FAIL probe health-answers: expected HTTP status 200, observed HTTP status 503')
    expect(toy.healthy).toBe(true)
  })

  it('Ctrl+C stops a run during a pause: the rollback runs, and it exits 1 as interrupted', async () => {
    const run = cli('experiment', 'run', write('pause.yaml', toyExperiment(toy.url, { title: 'A long pause', pauseAfter: 60 })))
    await until(() => run.stderr().includes('Pausing 60 s after'))
    run.kill('SIGINT')
    expect(await run.code).toBe(1)
    expect(run.stderr()).toContain('Stopping: the rest of the experiment is skipped, the rollbacks run.')
    expect(run.stdout()).toMatch(/^INTERRUPTED {2}A long pause/)
    expect(run.stdout()).toContain('  rollback   ok   action repair-the-service')
    expect(toy.requests.at(-1)).toBe('POST /repair')
  })
})

/** The toy experiment written as JSON instead of YAML (the CLI picks the parser by extension). */
function toYamlAsJson(yamlText: string): unknown {
  return parseYaml(yamlText)
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 25))
  }
}
