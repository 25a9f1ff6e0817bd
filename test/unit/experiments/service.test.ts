// Experiments through the API, as the window and the browser host use them: a real Core on a
// real SQLite file, http experiments against a real service on 127.0.0.1 (no VM needed), and
// process experiments refused while the VM is down. Runs survive a restart of the Core; a run
// left behind by a killed process is marked interrupted, a live process's run is left alone.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { ApiEvent, ExperimentProgress, ExperimentRun, ExperimentView } from '../../../electron/core/api'
import { EXPERIMENT_MAX_CHARS } from '../../../electron/core/api'
import { Core } from '../../../electron/core/core'
import { unwrap, type ErrorInfo } from '../../../electron/core/errors'
import { ExperimentService, ORPHAN_OUTCOME } from '../../../electron/core/experiments/service'
import { SshConnection } from '../../../electron/core/sandbox/sshConnection'
import { existsSync } from 'node:fs'
import { startTestSshd, type TestSshd } from '../../helpers/sshd'
import { openDatabase } from '../../../electron/core/store/database'
import { ExperimentRepository } from '../../../electron/core/store/repositories'
import { DATABASE_FILE } from '../../../electron/core/store/database'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'
import { startToyService, toyExperiment, type ToyService } from '../../helpers/toyService'

let toy: ToyService
let data: ReturnType<typeof tempDir>
let core: Core
let events: ApiEvent[]

const newCore = (): Core => new Core({ host: 'browser', version: '0.0.0-test', dataDir: data.path, labRoots: [join(REPO_ROOT, 'labs')], vagrantDir: join(REPO_ROOT, 'vagrant') })

beforeAll(async () => {
  toy = await startToyService()
})
afterAll(() => toy.close())

beforeEach(() => {
  toy.healthy = true
  toy.requests = []
  data = tempDir('chaos-lab-experiments-api-')
  core = newCore()
  events = []
  core.onEvent((event) => events.push(event))
})
afterEach(() => {
  core.dispose()
  data.cleanup()
})

async function failure(method: string, input: unknown): Promise<ErrorInfo> {
  const reply = await core.call(method, input)
  if (reply.ok) throw new Error(`${method} was expected to fail`)
  return reply.error
}

const importToy = async (options: Parameters<typeof toyExperiment>[1] = {}, fileName = 'toy.yaml'): Promise<ExperimentView> =>
  unwrap(await core.call('experiments:import', { fileName, content: toyExperiment(toy.url, options) })) as ExperimentView

const progress = (): ExperimentProgress[] => events.filter((e) => e.name === 'experiments:progress').map((e) => e.payload as ExperimentProgress)

describe('experiments:import', () => {
  it('reads a YAML experiment into what the learner sees before running it', async () => {
    const view = await importToy({ breaks: true, pauseAfter: 2 })
    expect(view).toMatchObject({ fileName: 'toy.yaml', title: 'The toy service shrugs off a look', needsVm: false, description: expect.stringContaining('breaks the service') })
    expect(view.hypothesis).toEqual({
      title: 'The service answers and every check is ok',
      probes: [
        { name: 'health-answers', type: 'probe', provider: 'http', invocation: `GET ${toy.url}/health`, tolerance: 'HTTP status 200', pauseBefore: 0, pauseAfter: 0, timeoutSeconds: 3 },
        { name: 'every-check-ok', type: 'probe', provider: 'http', invocation: `GET ${toy.url}/health`, tolerance: '$.checks[*].status in the body is ["ok"]', pauseBefore: 0, pauseAfter: 0, timeoutSeconds: 30 },
      ],
    })
    expect(view.method).toEqual([expect.objectContaining({ name: 'break-the-service', type: 'action', invocation: `POST ${toy.url}/break`, tolerance: null, pauseAfter: 2 })])
    expect(view.rollbacks.map((a) => a.name)).toEqual(['repair-the-service'])
    expect(events.map((e) => e.name)).toEqual(['experiments:changed'])
    // Nothing ran: importing only reads.
    expect(toy.requests).toEqual([])
  })

  it('says a process experiment needs the VM, and shows the command line it would run', async () => {
    const content = JSON.stringify({ title: 'Restart nginx', method: [{ type: 'action', name: 'restart', provider: { type: 'process', path: 'systemctl', arguments: ['restart', 'nginx'] } }] })
    const view = unwrap(await core.call('experiments:import', { fileName: 'restart.json', content })) as ExperimentView
    expect(view).toMatchObject({ needsVm: true, hypothesis: null, method: [{ provider: 'process', invocation: "systemctl 'restart' 'nginx'", timeoutSeconds: 60 }] })
  })

  it('refuses a provider Chaos Lab cannot run, with the file, the line and a fix', async () => {
    const content = ['title: Terminate a pod', 'method:', '  - type: action', '    name: kill-pod', '    provider:', '      type: python', '      module: chaosk8s.pod.actions', '      func: terminate_pods', ''].join('\n')
    const error = await failure('experiments:import', { fileName: 'pod.yaml', content })
    expect(error.code).toBe('lab-invalid')
    expect(error.message).toMatch(/^pod\.yaml is not a valid experiment \(line 6\): Activity "kill-pod" uses the python provider \(chaosk8s\.pod\.actions\.terminate_pods\)/)
    expect(error.fix).toMatch(/^Rewrite it as a process provider/)
    expect(error.details).toEqual([expect.stringMatching(/^pod\.yaml:6: method\[0\]\.provider\.type: .* Fix: Rewrite it/)])
    const other = await failure('experiments:import', { fileName: 'aws.json', content: JSON.stringify({ title: 't', method: [{ type: 'action', name: 'stop-instance', provider: { type: 'aws', service: 'ec2' } }] }) })
    expect(other.message).toContain('uses the provider type "aws", which Chaos Lab does not know')
    expect(other.fix).toBe('Use type: process (a program run in the VM) or type: http (a request to a lab service).')
    // Refused files are not kept.
    expect((unwrap(await core.call('experiments:list', undefined)) as { experiments: unknown[] }).experiments).toEqual([])
  })

  it('refuses a file that is too big or not text, before parsing it', async () => {
    const big = await failure('experiments:import', { fileName: 'huge.json', content: `{"title": "${'x'.repeat(EXPERIMENT_MAX_CHARS)}"}` })
    expect(big).toMatchObject({ code: 'lab-invalid', message: expect.stringMatching(/^huge\.json is 512 KB; Chaos Lab imports experiments of up to 512 KB\./), fix: expect.stringContaining('usually a few KB') })
    const binary = await failure('experiments:import', { fileName: 'picture.yaml', content: 'PNG\u0000\u0001' })
    expect(binary.message).toBe('picture.yaml is not a text file.')
  })
})

describe('experiments:run with http providers (no VM)', () => {
  it('runs, reports progress as it goes, keeps the run and exports its journal', async () => {
    const { id } = await importToy()
    events = []
    const run = unwrap(await core.call('experiments:run', { id })) as ExperimentRun
    expect(run).toMatchObject({ experimentId: id, status: 'completed', deviated: false, outcome: 'The steady state held before and after the method.' })
    expect(run.endedAt).toBeGreaterThanOrEqual(run.startedAt)
    const journal = run.journal!
    expect(journal.steady_states.before?.steady_state_met).toBe(true)
    expect(journal.steady_states.after?.steady_state_met).toBe(true)
    expect(journal.run.map((r) => [r.activity.name, r.status])).toEqual([['look-at-the-service', 'succeeded']])
    expect(journal.rollbacks.map((r) => [r.activity.name, r.status])).toEqual([['repair-the-service', 'succeeded']])
    // What really happened to the service, in order.
    expect(toy.requests).toEqual(['GET /health', 'GET /health', 'GET /health', 'GET /health', 'GET /health', 'POST /repair'])

    const steps = progress()
    expect(steps.every((p) => p.runId === run.id && p.experimentId === id)).toBe(true)
    expect(steps.map((p) => p.kind)).toEqual([
      'started',
      'phase-started', 'activity-started', 'activity-finished', 'activity-started', 'activity-finished', 'hypothesis',
      'phase-started', 'activity-started', 'activity-finished',
      'phase-started', 'activity-started', 'activity-finished', 'activity-started', 'activity-finished', 'hypothesis',
      'phase-started', 'activity-started', 'activity-finished',
      'finished',
    ])
    expect(steps.filter((p) => p.kind === 'activity-finished').map((p) => p.text)).toEqual([
      'The probe "health-answers" is within tolerance: expected HTTP status 200, observed HTTP status 200',
      expect.stringMatching(/^The probe "every-check-ok" is within tolerance/),
      'The action "look-at-the-service" succeeded',
      expect.stringMatching(/^The probe "health-answers" is within tolerance/),
      expect.stringMatching(/^The probe "every-check-ok" is within tolerance/),
      'The action "repair-the-service" succeeded',
    ])
    expect(steps.at(-1)).toMatchObject({ kind: 'finished', ok: true, text: run.outcome })
    // The list changed when the run started and when it ended.
    expect(events.filter((e) => e.name === 'experiments:changed')).toHaveLength(2)

    const list = unwrap(await core.call('experiments:list', undefined)) as { runs: ExperimentRun[] }
    expect(list.runs).toEqual([{ id: run.id, experimentId: id, title: run.title, status: 'completed', deviated: false, outcome: run.outcome, startedAt: run.startedAt, endedAt: run.endedAt }])

    const json = unwrap(await core.call('experiments:journal', { runId: run.id, format: 'json' })) as { fileName: string; content: string }
    expect(json.fileName).toBe(`the-toy-service-shrugs-off-a-look-run-${run.id}-journal.json`)
    expect(JSON.parse(json.content)).toEqual(journal)
    const markdown = unwrap(await core.call('experiments:journal', { runId: run.id, format: 'markdown' })) as { fileName: string; content: string }
    expect(markdown.fileName).toMatch(/-journal\.md$/)
    expect(markdown.content).toMatch(/^# Experiment: The toy service shrugs off a look\n/)
    expect(markdown.content).toContain('**Result: completed: the steady state held**')
  })

  it('a method that breaks the service: deviated after, and the rollback repaired it', async () => {
    const { id } = await importToy({ title: 'Breaking the service is noticed', breaks: true })
    const run = unwrap(await core.call('experiments:run', { id })) as ExperimentRun
    expect(run).toMatchObject({ status: 'failed', deviated: true })
    expect(run.outcome).toMatch(/^The system deviated from its steady state after the method: probe "health-answers" expected HTTP status 200, observed HTTP status 503/)
    expect(run.journal!.steady_states.after?.probes.map((p) => p.tolerance_met)).toEqual([false, false])
    expect(run.journal!.rollbacks.map((r) => r.status)).toEqual(['succeeded'])
    expect(toy.requests.slice(-1)).toEqual(['POST /repair'])
    expect(toy.healthy).toBe(true)
    expect(progress().filter((p) => p.kind === 'hypothesis').map((p) => [p.text, p.ok])).toEqual([
      ['Steady state before the method: met', true],
      ['Steady state after the method: not met', false],
    ])
  })

  it('stop ends a pause at once, skips the rest and still runs the rollback', async () => {
    const { id } = await importToy({ title: 'A long pause', pauseAfter: 60 })
    const started = performance.now()
    const running = core.call('experiments:run', { id })
    await waitFor(() => progress().find((p) => p.kind === 'pause'))
    // One experiment at a time.
    const second = await failure('experiments:run', { id })
    expect(second).toMatchObject({ code: 'bad-request', message: 'Another experiment is running: "A long pause".' })
    const runId = progress()[0]!.runId
    expect(unwrap(await core.call('experiments:stop', { runId }))).toBeNull()
    const run = unwrap(await running) as ExperimentRun
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(run).toMatchObject({ id: runId, status: 'interrupted', outcome: 'The experiment was stopped before it finished.' })
    expect(run.journal!.steady_states.after).toBeNull()
    expect(run.journal!.rollbacks.map((r) => [r.activity.name, r.status])).toEqual([['repair-the-service', 'succeeded']])
  })

  it('refuses to run a process experiment while the VM is down, and records no run', async () => {
    const content = JSON.stringify({ title: 'Restart nginx', method: [{ type: 'action', name: 'restart', provider: { type: 'process', path: 'systemctl', arguments: ['restart', 'nginx'] } }] })
    const { id } = unwrap(await core.call('experiments:import', { fileName: 'restart.json', content })) as ExperimentView
    const error = await failure('experiments:run', { id })
    expect(error.code).toBe('vm')
    expect(error.message).toMatch(/^"Restart nginx" runs commands in the lab VM, and the VM is not ready: it is /)
    expect(error.fix).toMatch(/^Start the lab VM/)
    expect((unwrap(await core.call('experiments:list', undefined)) as { runs: unknown[] }).runs).toEqual([])
  })

  it('an unknown id, run or journal of a run that is still going is refused with a fix', async () => {
    expect(await failure('experiments:run', { id: 999 })).toMatchObject({ code: 'not-found', fix: 'Import the experiment file again.' })
    expect(await failure('experiments:result', { runId: 999 })).toMatchObject({ code: 'not-found' })
    const { id } = await importToy({ pauseAfter: 60 })
    const running = core.call('experiments:run', { id })
    await waitFor(() => progress().find((p) => p.kind === 'pause'))
    const runId = progress()[0]!.runId
    expect(await failure('experiments:journal', { runId, format: 'json' })).toMatchObject({ message: `Run #${runId} has not finished yet, so it has no journal.` })
    expect(unwrap(await core.call('experiments:result', { runId }))).toMatchObject({ status: 'running', journal: null })
    await core.call('experiments:stop', { runId })
    await running
  })
})

describe('experiments in the database', () => {
  it('imported experiments and runs survive a restart; removing an experiment keeps its runs', async () => {
    const { id } = await importToy()
    const run = unwrap(await core.call('experiments:run', { id })) as ExperimentRun
    core.dispose()
    core = newCore()
    const list = unwrap(await core.call('experiments:list', undefined)) as { experiments: ExperimentView[]; runs: ExperimentRun[] }
    expect(list.experiments.map((e) => [e.id, e.title])).toEqual([[id, 'The toy service shrugs off a look']])
    expect(list.runs.map((r) => [r.id, r.status])).toEqual([[run.id, 'completed']])
    expect((unwrap(await core.call('experiments:result', { runId: run.id })) as ExperimentRun).journal).toEqual(run.journal)

    expect(unwrap(await core.call('experiments:remove', { id }))).toBeNull()
    const after = unwrap(await core.call('experiments:list', undefined)) as { experiments: ExperimentView[]; runs: ExperimentRun[] }
    expect(after.experiments).toEqual([])
    expect(after.runs).toEqual([{ ...list.runs[0], experimentId: null }])
    expect(await failure('experiments:remove', { id })).toMatchObject({ code: 'not-found' })
  })

  it('a run whose process died is marked interrupted on the next start; a live process keeps its run', async () => {
    core.dispose()
    // A pid that surely belonged to a process that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
    const alive = spawn('sleep', ['30'])
    try {
      const db = openDatabase(join(data.path, DATABASE_FILE))
      const repo = new ExperimentRepository(db)
      const orphan = repo.startRun(null, 'Killed mid-run', { title: 'Killed mid-run' }, 1000, Number(dead.stdout))
      const live = repo.startRun(null, 'Still running elsewhere', { title: 'Still running elsewhere' }, 2000, alive.pid!)
      db.close()

      core = newCore()
      const runs = (unwrap(await core.call('experiments:list', undefined)) as { runs: ExperimentRun[] }).runs
      expect(runs.map((r) => [r.id, r.status])).toEqual([
        [live, 'running'],
        [orphan, 'interrupted'],
      ])
      expect(runs[1]!.outcome).toBe(ORPHAN_OUTCOME)
      expect(runs[1]!.endedAt).toBeGreaterThan(2000)
      expect(await failure('experiments:journal', { runId: orphan, format: 'markdown' })).toMatchObject({ message: `Run #${orphan} has no journal: ${ORPHAN_OUTCOME}` })
      // Stopping another process's run is refused with where to stop it.
      expect(await failure('experiments:stop', { runId: live })).toMatchObject({ code: 'bad-request', fix: expect.stringContaining('Ctrl+C') })
    } finally {
      alive.kill()
    }
  })
})

describe('process providers over SSH (the test sshd stands in for the VM)', () => {
  let sshd: TestSshd
  let ssh: SshConnection
  beforeAll(async () => {
    sshd = await startTestSshd()
    ssh = new SshConnection({
      resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
      hostKeyPin: { load: () => null, save: () => {} },
      waitForConnectionMs: 10_000,
    })
    await ssh.open()
  }, 30_000)
  afterAll(async () => {
    ssh?.close()
    await sshd?.cleanup()
  })

  it('runs them as root, stops the method at a failing action and rolls back', async () => {
    const db = openDatabase(join(data.path, 'process.sqlite'))
    // The same host the Core gives the service: the VM's shell, as root.
    const service = new ExperimentService(new ExperimentRepository(db), { host: { exec: (command, o) => ssh.exec(command, { user: 'root', timeoutMs: o?.timeoutMs }) }, vm: () => ({ ready: true, reason: '' }) })
    const marker = join(data.path, 'fault-in-place')
    const sh = (name: string, script: string): unknown => ({ type: 'action', name, provider: { type: 'process', path: 'sh', arguments: ['-c', script] } })
    const content = JSON.stringify({
      title: 'A failing action is rolled back',
      'steady-state-hypothesis': { title: 'root, and no fault', probes: [{ type: 'probe', name: 'runs-as-root', tolerance: '0', provider: { type: 'process', path: 'id', arguments: '-u' } }] },
      method: [sh('inject', `touch ${marker}`), sh('fails', 'echo "no such service" >&2; exit 3'), sh('never-runs', 'true')],
      rollbacks: [sh('revert', `rm -f ${marker}`)],
    })
    try {
      const run = await service.runFile('rollback.json', content)
      expect(run).toMatchObject({ experimentId: null, status: 'failed', deviated: false, outcome: 'The action "fails" failed, so the method stopped there: the command exited with status 3: no such service.' })
      expect(run.journal!.steady_states.before?.probes[0]).toMatchObject({ tolerance_met: true, output: { status: 0, stdout: '0\n' } })
      expect(run.journal!.run.map((r) => [r.activity.name, r.status])).toEqual([['inject', 'succeeded'], ['fails', 'failed']])
      expect(run.journal!.rollbacks.map((r) => [r.activity.name, r.status])).toEqual([['revert', 'succeeded']])
      expect(existsSync(marker)).toBe(false)
      expect(service.list().runs.map((r) => r.status)).toEqual(['failed'])
    } finally {
      service.dispose()
      db.close()
    }
  })
})

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 20))
  }
}
