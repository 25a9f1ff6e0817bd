// The experiment runner for real: process providers run over SSH on the test OpenSSH server
// (test/helpers/sshd.ts stands in for the lab VM), http providers call a real node:http service
// on 127.0.0.1. Marker files in a scratch folder are the "system" the experiments break and
// repair, so the journal can be checked against what really happened.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { SshConnection } from '../../../electron/core/sandbox/sshConnection'
import {
  journalToMarkdown,
  parseExperiment,
  processCommand,
  runExperiment,
  type Experiment,
  type ExperimentEvent,
  type ExperimentHost,
  type Journal,
} from '../../../electron/core/experiments'
import { SSH_TEST_USER, startTestSshd, type TestSshd } from '../../helpers/sshd'
import { tempDir } from '../../helpers/tmp'

let sshd: TestSshd
let ssh: SshConnection
let scratch: ReturnType<typeof tempDir>
let server: Server
let baseUrl: string
let closedUrl: string
let host: ExperimentHost

/** The service the experiments probe: healthy until /break, healthy again after /repair. */
const service = { healthy: true, requests: [] as string[] }

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  let body = ''
  req.on('data', (chunk: Buffer) => (body += chunk.toString()))
  req.on('end', () => {
    service.requests.push(`${req.method} ${url.pathname}${url.search}${body ? ` ${body}` : ''}`)
    const json = (status: number, value: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(value))
    }
    if (url.pathname === '/health') {
      return service.healthy
        ? json(200, { status: 'ok', checks: [{ name: 'db', status: 'ok' }, { name: 'disk', status: 'ok' }] })
        : json(503, { status: 'degraded', checks: [{ name: 'db', status: 'ok' }, { name: 'disk', status: 'failing' }] })
    }
    if (url.pathname === '/break' && req.method === 'POST') {
      service.healthy = false
      res.writeHead(204).end()
      return
    }
    if (url.pathname === '/repair' && req.method === 'POST') {
      service.healthy = true
      res.writeHead(204).end()
      return
    }
    if (url.pathname === '/slow') {
      setTimeout(() => json(200, { slow: true }), 3000).unref()
      return
    }
    json(404, { error: 'not found' })
  })
}

beforeAll(async () => {
  sshd = await startTestSshd()
  scratch = tempDir('chaos-lab-experiments-')
  // The test user writes here, like the vagrant user in its home folder.
  execFileSync('chown', [SSH_TEST_USER, scratch.path])
  ssh = new SshConnection({
    resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }),
    hostKeyPin: { load: () => null, save: () => {} },
    waitForConnectionMs: 10_000,
  })
  await ssh.open()
  host = { exec: (command, options) => ssh.exec(command, { timeoutMs: options?.timeoutMs }) }

  server = createServer(handle)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  // A port nothing listens on: bound, then released.
  const closed = createServer()
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()))
  closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`
  await new Promise<void>((resolve) => closed.close(() => resolve()))
}, 30_000)

afterAll(async () => {
  ssh?.close()
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  await sshd?.cleanup()
  scratch?.cleanup()
})

beforeEach(() => {
  service.healthy = true
  service.requests = []
  for (const name of readdirSync(scratch.path)) rmSync(join(scratch.path, name), { force: true, recursive: true })
})

const marker = (name: string): string => join(scratch.path, name)

/** An experiment through the real parser, with `${dir}` and `${url}` from configuration. */
function experiment(body: Record<string, unknown>): Experiment {
  return parseExperiment(JSON.stringify({ version: '1.0.0', configuration: { dir: scratch.path, url: baseUrl, closed: closedUrl }, ...body }), 'test-experiment.json')
}

const sh = (name: string, script: string, type: 'action' | 'probe' = 'action', extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  type,
  name,
  provider: { type: 'process', path: 'sh', arguments: ['-c', script] },
  ...extra,
})

/** The hypothesis used by most tests: the service answers 200 and the flag file is absent. */
const hypothesis = {
  title: 'The service is healthy and nothing is broken',
  probes: [
    { type: 'probe', name: 'service-answers', tolerance: 200, provider: { type: 'http', url: '${url}/health', timeout: 5 } },
    { type: 'probe', name: 'checks-all-ok', tolerance: { type: 'jsonpath', path: '$.checks[*].status', expect: ['ok', 'ok'] }, provider: { type: 'http', url: '${url}/health' } },
    sh('no-broken-flag', 'test ! -e ${dir}/broken', 'probe', { tolerance: 0 }),
  ],
}

async function run(exp: Experiment, options: { signal?: AbortSignal } = {}): Promise<{ journal: Journal; events: (ExperimentEvent & { t: number })[] }> {
  const events: (ExperimentEvent & { t: number })[] = []
  const journal = await runExperiment(exp, host, { ...options, onEvent: (event) => events.push({ ...event, t: performance.now() }) })
  // The journal is plain JSON, as Chaos Toolkit writes it.
  expect(JSON.parse(JSON.stringify(journal))).toEqual(journal)
  return { journal, events }
}

describe('runExperiment over SSH and HTTP', () => {
  it('a passing experiment: completed, not deviated, every run timed, rollbacks run', async () => {
    writeFileSync(marker('state'), 'ready\n')
    const exp = experiment({
      title: 'Touching a file does not hurt the service',
      'steady-state-hypothesis': {
        ...hypothesis,
        probes: [...hypothesis.probes, sh('state-is-ready', 'cat ${dir}/state', 'probe', { tolerance: 'ready' })],
      },
      method: [
        sh('touch-a-file', 'touch ${dir}/touched && echo touched'),
        { type: 'probe', name: 'read-health', provider: { type: 'http', url: '${url}/health', arguments: { verbose: 'yes' } } },
        { type: 'probe', name: 'quoted-arguments', tolerance: "a b|it's|$HOME|", provider: { type: 'process', path: 'printf', arguments: ['%s|', 'a b', "it's", '$HOME'] } },
      ],
      rollbacks: [sh('remove-the-file', 'rm -f ${dir}/touched')],
    })
    const { journal, events } = await run(exp)

    expect(journal.status).toBe('completed')
    expect(journal.deviated).toBe(false)
    expect(journal['chaos-lab']).toEqual({ version: 1, outcome: 'The steady state held before and after the method.' })
    expect(journal.steady_states.before?.steady_state_met).toBe(true)
    expect(journal.steady_states.after?.steady_state_met).toBe(true)
    expect(journal.steady_states.before?.probes.map((r) => r.tolerance_met)).toEqual([true, true, true, true])
    expect(journal.steady_states.during).toEqual([])
    expect(journal.run.map((r) => [r.activity.name, r.status])).toEqual([
      ['touch-a-file', 'succeeded'],
      ['read-health', 'succeeded'],
      ['quoted-arguments', 'succeeded'],
    ])
    expect(journal.run[0]!.output).toEqual({ status: 0, stdout: 'touched\n', stderr: '' })
    expect(journal.run[0]!['chaos-lab'].invocation).toBe(`sh '-c' 'touch ${scratch.path}/touched && echo touched'`)
    expect(journal.run[1]!.output).toMatchObject({ status: 200, body: { status: 'ok' } })
    expect(journal.run[1]!['chaos-lab'].invocation).toBe(`GET ${baseUrl}/health?verbose=yes`)
    expect(journal.run[2]!.tolerance_met).toBe(true)
    expect(journal.rollbacks.map((r) => [r.activity.name, r.status])).toEqual([['remove-the-file', 'succeeded']])
    expect(existsSync(marker('touched'))).toBe(false)

    for (const entry of [...journal.run, ...journal.rollbacks, ...journal.steady_states.before!.probes]) {
      expect(entry.duration).toBeGreaterThan(0)
      expect(Date.parse(entry.end)).toBeGreaterThanOrEqual(Date.parse(entry.start))
      expect(entry.exception).toBeUndefined()
    }
    expect(journal.duration).toBeGreaterThan(0)
    expect(Date.parse(journal.end) - Date.parse(journal.start)).toBeCloseTo(journal.duration * 1000, -1)

    const phases = events.filter((e) => e.type === 'phase-started').map((e) => (e as { phase: string }).phase)
    expect(phases).toEqual(['hypothesis-before', 'method', 'hypothesis-after', 'rollbacks'])
    expect(events[0]!.type).toBe('experiment-started')
    expect(events.at(-1)).toMatchObject({ type: 'experiment-finished', status: 'completed', deviated: false })
    expect(events.filter((e) => e.type === 'hypothesis').map((e) => (e as { met: boolean }).met)).toEqual([true, true])
    expect(events.filter((e) => e.type === 'activity-started')).toHaveLength(4 + 3 + 4 + 1)
  })

  it('hypothesis before fails: the method is skipped, the rollbacks still run', async () => {
    service.healthy = false
    const exp = experiment({
      title: 'Break the already broken',
      'steady-state-hypothesis': hypothesis,
      method: [sh('should-not-run', 'touch ${dir}/method-ran')],
      rollbacks: [sh('record-rollback', 'touch ${dir}/rolled-back')],
    })
    const { journal, events } = await run(exp)

    expect(journal.status).toBe('failed')
    expect(journal.deviated).toBe(false)
    expect(journal.run).toEqual([])
    expect(journal.steady_states.after).toBeNull()
    const before = journal.steady_states.before!
    expect(before.steady_state_met).toBe(false)
    // All probes run, so the report shows the whole picture.
    expect(before.probes.map((r) => [r.activity.name, r.status, r.tolerance_met])).toEqual([
      ['service-answers', 'succeeded', false],
      ['checks-all-ok', 'succeeded', false],
      ['no-broken-flag', 'succeeded', true],
    ])
    expect(before.probes[0]!['chaos-lab'].tolerance).toEqual({ ok: false, expected: 'HTTP status 200', observed: 'HTTP status 503' })
    expect(before.probes[1]!['chaos-lab'].tolerance).toEqual({ ok: false, expected: "$.checks[*].status in the response body to be ['ok', 'ok']", observed: "['ok', 'failing']" })
    expect(journal['chaos-lab'].outcome).toBe(
      'The steady state was not met before the method, so the method did not run: probe "service-answers" expected HTTP status 200, observed HTTP status 503; ' +
        'probe "checks-all-ok" expected $.checks[*].status in the response body to be [\'ok\', \'ok\'], observed [\'ok\', \'failing\'].',
    )
    expect(existsSync(marker('method-ran'))).toBe(false)
    expect(existsSync(marker('rolled-back'))).toBe(true)
    expect(journal.rollbacks[0]!.status).toBe('succeeded')
    expect(events.filter((e) => e.type === 'phase-skipped').map((e) => (e as { phase: string }).phase)).toEqual(['method', 'hypothesis-after'])
    const report = journalToMarkdown(journal)
    expect(report).toContain('**Result: failed**')
    expect(report).toContain('*The service is healthy and nothing is broken*: **not met**')
    expect(report).toContain('- ❌ probe **service-answers** — out of tolerance')
    expect(report).toContain('- ✅ probe **no-broken-flag** — within tolerance')
    expect(report.match(/Skipped: the steady state was not met before the method\./g)).toHaveLength(2)
    expect(report).toContain('1. ✅ action **record-rollback** — succeeded')
  })

  it('an action fails: the method stops there, the hypothesis after is skipped, the rollbacks run', async () => {
    const exp = experiment({
      title: 'A failing fault injection',
      'steady-state-hypothesis': hypothesis,
      method: [sh('inject-fault', 'echo "starting"; echo "tc: permission denied" >&2; exit 3'), sh('never-reached', 'touch ${dir}/second-ran')],
      rollbacks: [sh('undo-fault', 'touch ${dir}/rolled-back')],
    })
    const { journal } = await run(exp)

    expect(journal.status).toBe('failed')
    expect(journal.deviated).toBe(false)
    expect(journal.run).toHaveLength(1)
    const failed = journal.run[0]!
    expect(failed.status).toBe('failed')
    expect(failed.output).toEqual({ status: 3, stdout: 'starting\n', stderr: 'tc: permission denied\n' })
    expect(failed.exception).toEqual(['chaoslab.ActivityFailed: the command exited with status 3: tc: permission denied'])
    expect(journal['chaos-lab'].outcome).toBe('The action "inject-fault" failed, so the method stopped there: the command exited with status 3: tc: permission denied.')
    expect(journal.steady_states.before?.steady_state_met).toBe(true)
    expect(journal.steady_states.after).toBeNull()
    expect(existsSync(marker('second-ran'))).toBe(false)
    expect(existsSync(marker('rolled-back'))).toBe(true)
    const report = journalToMarkdown(journal)
    expect(report).toContain('1. ❌ action **inject-fault** — failed')
    expect(report).toContain("- ran: `sh '-c' 'echo \"starting\"; echo \"tc: permission denied\" >&2; exit 3'`")
    expect(report).toContain('- exit status: 3')
    expect(report).toContain('- stderr: `tc: permission denied`')
    expect(report).toContain('1 more activity of the method did not run.')
    expect(report).toContain('Skipped: the method did not complete (an action failed).')
  })

  it('an action killed at its timeout, and an HTTP action with the wrong status, fail', async () => {
    const slow = await run(experiment({ title: 'slow', method: [{ ...sh('hangs', 'sleep 30'), provider: { type: 'process', path: 'sleep', arguments: ['30'], timeout: 1 } }], rollbacks: [] }))
    expect(slow.journal.status).toBe('failed')
    expect(slow.journal.run[0]).toMatchObject({ status: 'failed', output: { status: null }, 'chaos-lab': { reason: 'it did not finish within 1 s and was stopped' } })
    expect(slow.journal.run[0]!.duration).toBeLessThan(6)

    const http = await run(
      experiment({
        title: 'http',
        method: [
          { type: 'action', name: 'break-service', provider: { type: 'http', method: 'POST', url: '${url}/break', expected_status: 200 } },
          { type: 'action', name: 'missing-endpoint', provider: { type: 'http', method: 'POST', url: '${url}/nope' } },
        ],
      }),
    )
    expect(http.journal.run).toHaveLength(1)
    expect(http.journal.run[0]).toMatchObject({ status: 'failed', output: { status: 204 }, 'chaos-lab': { reason: 'expected HTTP status 200, got 204' } })
    const notFound = await run(experiment({ title: 'http', method: [{ type: 'action', name: 'missing-endpoint', provider: { type: 'http', method: 'POST', url: '${url}/nope', arguments: { a: 1 } } }] }))
    expect(notFound.journal.run[0]).toMatchObject({ status: 'failed', 'chaos-lab': { reason: 'the service answered HTTP status 404' } })
    expect(service.requests).toContain('POST /nope a=1')
    const timeout = await run(experiment({ title: 'http', method: [{ type: 'action', name: 'slow-endpoint', provider: { type: 'http', url: '${url}/slow', timeout: 0.5 } }] }))
    expect(timeout.journal.run[0]).toMatchObject({ status: 'failed', output: null, 'chaos-lab': { reason: `no response from ${baseUrl} within 0.5 s` } })
  })

  it('the hypothesis after does not hold: deviated, failed, and the rollbacks repair the service', async () => {
    const exp = experiment({
      title: 'The service survives losing its disk',
      description: 'Breaks the disk check and expects the service to stay healthy.',
      'steady-state-hypothesis': hypothesis,
      method: [{ type: 'action', name: 'break-disk', provider: { type: 'http', method: 'POST', url: '${url}/break', expected_status: 204 } }, sh('raise-broken-flag', 'touch ${dir}/broken')],
      rollbacks: [
        { type: 'action', name: 'repair-disk', provider: { type: 'http', method: 'POST', url: '${url}/repair' } },
        sh('lower-broken-flag', 'rm -f ${dir}/broken'),
      ],
    })
    const { journal } = await run(exp)

    expect(journal.status).toBe('failed')
    expect(journal.deviated).toBe(true)
    expect(journal.run.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
    const after = journal.steady_states.after!
    expect(after.steady_state_met).toBe(false)
    expect(after.probes.map((r) => r.tolerance_met)).toEqual([false, false, false])
    expect(after.probes[2]!['chaos-lab'].tolerance).toEqual({ ok: false, expected: 'exit status 0', observed: 'exit status 1' })
    expect(journal['chaos-lab'].outcome).toMatch(/^The system deviated from its steady state after the method: probe "service-answers" expected HTTP status 200, observed HTTP status 503; /)
    expect(journal.rollbacks.map((r) => r.status)).toEqual(['succeeded', 'succeeded'])
    expect(service.healthy).toBe(true)
    expect(existsSync(marker('broken'))).toBe(false)

    const report = journalToMarkdown(journal)
    for (const fact of [
      '# Experiment: The service survives losing its disk',
      '**Result: deviated: the steady state did not hold after the method, a weakness was found**',
      '- Status: failed',
      '- Deviated: yes',
      '## Steady-state hypothesis before the method',
      '*The service is healthy and nothing is broken*: **met**',
      '## Steady-state hypothesis after the method',
      '*The service is healthy and nothing is broken*: **not met**',
      '❌ probe **service-answers** — out of tolerance',
      '- expected HTTP status 200, observed HTTP status 503',
      "- expected $.checks[*].status in the response body to be ['ok', 'ok'], observed ['ok', 'failing']",
      '- expected exit status 0, observed exit status 1',
      '1. ✅ action **break-disk** — succeeded',
      `- requested: \`POST ${baseUrl}/break\``,
      '2. ✅ action **raise-broken-flag** — succeeded',
      '## Rollbacks',
      '1. ✅ action **repair-disk** — succeeded',
      '2. ✅ action **lower-broken-flag** — succeeded',
    ]) {
      expect(report).toContain(fact)
    }
    expect(report.indexOf('## Method')).toBeLessThan(report.indexOf('## Steady-state hypothesis after the method'))
  })

  it('a failing rollback does not stop the next ones', async () => {
    const exp = experiment({
      title: 'Rollbacks are independent',
      method: [sh('noop', 'true')],
      rollbacks: [
        sh('first-fails', 'echo "no such qdisc" >&2; exit 2'),
        sh('second-runs', 'touch ${dir}/second-rollback'),
        { type: 'action', name: 'third-cannot-connect', provider: { type: 'http', method: 'POST', url: '${closed}/repair', timeout: 2 } },
        sh('fourth-runs', 'touch ${dir}/fourth-rollback'),
      ],
    })
    const { journal } = await run(exp)

    expect(journal.status).toBe('completed')
    expect(journal.rollbacks.map((r) => [r.activity.name, r.status])).toEqual([
      ['first-fails', 'failed'],
      ['second-runs', 'succeeded'],
      ['third-cannot-connect', 'failed'],
      ['fourth-runs', 'succeeded'],
    ])
    expect(journal.rollbacks[2]!['chaos-lab'].reason).toBe(`the request to ${closedUrl} failed: the connection was refused (is the service running, and its port forwarded?)`)
    expect(existsSync(marker('second-rollback'))).toBe(true)
    expect(existsSync(marker('fourth-rollback'))).toBe(true)
    expect(journal['chaos-lab'].outcome).toBe(
      'The method ran to the end (there is no steady-state hypothesis to check). 2 rollbacks failed ("first-fails", "third-cannot-connect"): the VM may not be back to normal.',
    )
    const report = journalToMarkdown(journal)
    expect(report).toContain('1. ❌ action **first-fails** — failed')
    expect(report).toContain('- why: the command exited with status 2: no such qdisc')
    expect(report).toContain('- stderr: `no such qdisc`')
  })

  it('an abort during a pause ends the pause at once, skips the rest and runs the rollbacks: interrupted', async () => {
    const controller = new AbortController()
    const exp = experiment({
      title: 'Stopped half-way',
      'steady-state-hypothesis': hypothesis,
      method: [sh('inject', 'touch ${dir}/injected', 'action', { pauses: { after: 20 } }), sh('never-reached', 'touch ${dir}/second-ran')],
      rollbacks: [sh('undo', 'rm -f ${dir}/injected; touch ${dir}/rolled-back')],
    })
    const started = performance.now()
    const events: ExperimentEvent[] = []
    const journal = await runExperiment(exp, host, {
      signal: controller.signal,
      onEvent: (event) => {
        events.push(event)
        if (event.type === 'pause') setTimeout(() => controller.abort(), 300)
      },
    })
    const elapsed = performance.now() - started

    expect(elapsed).toBeLessThan(8000)
    expect(journal.status).toBe('interrupted')
    expect(journal.deviated).toBe(false)
    expect(journal.run.map((r) => [r.activity.name, r.status])).toEqual([['inject', 'succeeded']])
    expect(journal.steady_states.after).toBeNull()
    expect(journal.rollbacks.map((r) => [r.activity.name, r.status])).toEqual([['undo', 'succeeded']])
    expect(existsSync(marker('second-ran'))).toBe(false)
    expect(existsSync(marker('injected'))).toBe(false)
    expect(existsSync(marker('rolled-back'))).toBe(true)
    expect(journal['chaos-lab'].outcome).toBe('The experiment was stopped before it finished.')
    expect(events.at(-1)).toMatchObject({ type: 'experiment-finished', status: 'interrupted' })
    const report = journalToMarkdown(journal)
    expect(report).toContain('**Result: interrupted: the experiment was stopped**')
    expect(report).toContain('1 more activity of the method did not run.')
    expect(report).toContain('Not checked: the experiment was stopped first.')
  })

  it('an abort during the pause before an activity means it never starts; an abort before the start runs only the rollbacks', async () => {
    const controller = new AbortController()
    const exp = experiment({
      title: 'Stopped while waiting',
      method: [sh('waits-first', 'touch ${dir}/ran', 'action', { pauses: { before: 20 } })],
      rollbacks: [sh('undo', 'touch ${dir}/rolled-back')],
    })
    setTimeout(() => controller.abort(), 300)
    const journal = await runExperiment(exp, host, { signal: controller.signal })
    expect(journal.status).toBe('interrupted')
    expect(journal.run).toEqual([])
    expect(existsSync(marker('ran'))).toBe(false)
    expect(existsSync(marker('rolled-back'))).toBe(true)

    rmSync(marker('rolled-back'))
    const early = await runExperiment(exp, host, { signal: AbortSignal.abort() })
    expect(early.status).toBe('interrupted')
    expect(early.steady_states.before).toBeNull()
    expect(early.rollbacks.map((r) => r.status)).toEqual(['succeeded'])
    expect(existsSync(marker('rolled-back'))).toBe(true)
  })

  it('honours pauses before and after, outside the activity duration', async () => {
    const exp = experiment({
      title: 'Pauses',
      method: [sh('first', 'true', 'action', { pauses: { before: 0.6, after: 0.8 } }), sh('second', 'true')],
    })
    const { journal, events } = await run(exp)
    const at = (predicate: (e: ExperimentEvent) => boolean): number => events.find(predicate)!.t
    const pauseBefore = at((e) => e.type === 'pause' && e.when === 'before')
    const firstStarted = at((e) => e.type === 'activity-started' && e.name === 'first')
    const firstFinished = at((e) => e.type === 'activity-finished' && e.name === 'first')
    const secondStarted = at((e) => e.type === 'activity-started' && e.name === 'second')
    expect(firstStarted - pauseBefore).toBeGreaterThanOrEqual(590)
    expect(secondStarted - firstFinished).toBeGreaterThanOrEqual(790)
    expect(journal.run[0]!.duration).toBeLessThan(0.6)
    expect(Date.parse(journal.run[1]!.start) - Date.parse(journal.run[0]!.end)).toBeGreaterThanOrEqual(790)
    expect(journal.duration).toBeGreaterThanOrEqual(1.4)
    expect(events.filter((e) => e.type === 'pause')).toEqual([
      expect.objectContaining({ phase: 'method', index: 0, name: 'first', when: 'before', seconds: 0.6 }),
      expect.objectContaining({ phase: 'method', index: 0, name: 'first', when: 'after', seconds: 0.8 }),
    ])
  })

  it('a probe tolerance runs a check in the VM with the probed output in $CHAOS_LAB_VALUE', async () => {
    const judge = (pattern: string): Record<string, unknown> => ({
      type: 'probe',
      name: 'judge-health',
      provider: { type: 'process', path: 'sh', arguments: ['-c', `printf '%s' "$CHAOS_LAB_VALUE" | grep -q '${pattern}'`] },
    })
    const exp = (pattern: string): Experiment =>
      experiment({
        title: 'Probe tolerance',
        'steady-state-hypothesis': { title: 'healthy', probes: [{ type: 'probe', name: 'health', tolerance: judge(pattern), provider: { type: 'http', url: '${url}/health' } }] },
        method: [sh('noop', 'true')],
      })
    const held = await run(exp('"status":"ok"'))
    expect(held.journal.status).toBe('completed')
    expect(held.journal.steady_states.before!.probes[0]!['chaos-lab'].tolerance).toEqual({ ok: true, expected: 'the probe "judge-health" to succeed', observed: 'exit status 0' })
    const missed = await run(exp('"status":"on fire"'))
    expect(missed.journal.status).toBe('failed')
    expect(missed.journal.steady_states.before!.probes[0]!.tolerance_met).toBe(false)
  })

  it('a probe in the method only observes: out of tolerance or failing, the method goes on', async () => {
    const exp = experiment({
      title: 'Observing',
      method: [
        sh('looks-for-a-file', 'cat ${dir}/missing', 'probe', { tolerance: 0 }),
        { type: 'probe', name: 'calls-nobody', provider: { type: 'http', url: '${closed}/x', timeout: 2 } },
        sh('still-runs', 'touch ${dir}/still-ran'),
      ],
    })
    const { journal } = await run(exp)
    expect(journal.status).toBe('completed')
    expect(journal.run.map((r) => [r.activity.name, r.status, r.tolerance_met])).toEqual([
      ['looks-for-a-file', 'succeeded', false],
      ['calls-nobody', 'failed', undefined],
      ['still-runs', 'succeeded', undefined],
    ])
    expect(existsSync(marker('still-ran'))).toBe(true)
  })

  it('uses the given clock for journal times, and survives a listener that throws', async () => {
    let tick = Date.parse('2030-01-01T00:00:00.000Z')
    const journal = await runExperiment(experiment({ title: 'clock', method: [sh('noop', 'true')], rollbacks: [sh('undo', 'true')] }), host, {
      now: () => (tick += 1000),
      onEvent: () => {
        throw new Error('a broken listener')
      },
    })
    expect(journal.status).toBe('completed')
    expect(journal.start).toBe('2030-01-01T00:00:01.000Z')
    expect(journal.run[0]).toMatchObject({ start: '2030-01-01T00:00:02.000Z', end: '2030-01-01T00:00:03.000Z', duration: 1 })
    expect(journal.rollbacks[0]).toMatchObject({ start: '2030-01-01T00:00:04.000Z', duration: 1 })
    expect(journal.duration).toBe(5)
  })

  it('a host that cannot run the command makes the activity fail, not the runner', async () => {
    const broken: ExperimentHost = {
      exec: async () => {
        throw new Error('The connection to the VM dropped while a command was running.')
      },
    }
    const journal = await runExperiment(experiment({ title: 'no VM', method: [sh('inject', 'true')], rollbacks: [sh('undo', 'true')] }), broken)
    expect(journal.status).toBe('failed')
    expect(journal.run[0]!['chaos-lab'].reason).toBe('it could not be run in the VM: The connection to the VM dropped while a command was running.')
    expect(journal.rollbacks[0]!.status).toBe('failed')
  })
})

describe('processCommand', () => {
  it.each<[string, Record<string, unknown>, string]>([
    ['a string is appended as it is', { path: 'curl', arguments: '-s -o /dev/null -w "%{http_code}" http://127.0.0.1:8080/' }, 'curl -s -o /dev/null -w "%{http_code}" http://127.0.0.1:8080/'],
    ['list items are quoted one by one', { path: 'sh', arguments: ['-c', "echo it's $HOME"] }, `sh '-c' 'echo it'\\''s $HOME'`],
    ['numbers and booleans in a list', { path: 'stress-ng', arguments: ['--cpu', 2, '--quiet', true] }, "stress-ng '--cpu' '2' '--quiet' 'true'"],
    ["Chaos Toolkit's mapping form: flag, value; an empty value is a bare flag", { path: 'tc', arguments: { qdisc: '', del: '', dev: 'eth0', '--count': 3 } }, "tc 'qdisc' 'del' 'dev' 'eth0' '--count' '3'"],
    ['no arguments', { path: '/usr/local/bin/check-ready' }, '/usr/local/bin/check-ready'],
    ['a path with a space is quoted', { path: '/opt/my tools/check' }, "'/opt/my tools/check'"],
    ['a home-relative path keeps its ~', { path: '~/bin/check', arguments: [] }, '~/bin/check'],
  ])('%s', (_label, provider, command) => {
    expect(processCommand({ type: 'process', ...provider } as Parameters<typeof processCommand>[0])).toBe(command)
  })
})
