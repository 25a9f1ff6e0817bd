// The guest agent (vagrant/guest/chaos-lab-agent) as the VM runs it: real python3 processes,
// a real ledger on disk, real revert commands and a real daemon, all inside a temp folder
// (CHAOS_LAB_AGENT_ROOT prefixes every path the agent uses).
import { afterEach, describe, expect, it } from 'vitest'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

const AGENT = join(REPO_ROOT, 'vagrant', 'guest', 'chaos-lab-agent')
/** The real python3 binary: a version manager's shim (pyenv: a bash script) costs ~0.7 s per
 * run, which the heartbeat timing below cannot afford on a loaded machine. */
const PYTHON = process.env.CHAOS_LAB_PYTHON
  || execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim()
  || 'python3'
const SLOW = { timeout: 60_000 } // many process start-ups per test; the machine may be busy

interface Entry { seq: number; id: string; label: string; revert: string; revert_timeout_seconds: number; added_at: string }
interface Failure { id: string; label: string; code: number; stderr: string; timed_out: boolean }
interface Report { ok: boolean; reason: string; reverted: string[]; failed: Failure[]; corrupt: string[]; error?: string; fix?: string }
interface Status { ok: boolean; entries: number; armed: boolean; heartbeat_age_seconds: number | null; timeout_seconds: number; last_revert: (Report & { at: string }) | null }
interface Run<T> { code: number | null; json: T & { ok: boolean; error?: string; fix?: string }; stdout: string; stderr: string }

const cleanups: (() => void)[] = []
const children = new Set<ChildProcess>()
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  children.clear()
  cleanups.splice(0).forEach((fn) => fn())
})

/** A fresh agent root: the ledger, heartbeat, log and config all live under it. */
function lab() {
  const dir = tempDir('chaos-lab-agent-')
  cleanups.push(dir.cleanup)
  const root = dir.path
  return {
    root,
    ledger: join(root, 'var', 'lib', 'chaos-lab', 'ledger'),
    heartbeat: join(root, 'run', 'chaos-lab', 'heartbeat'),
    log: join(root, 'var', 'log', 'chaos-lab-agent.log'),
    config: join(root, 'etc', 'chaos-lab', 'agent.conf'),
    /** a file the revert commands append to, so the test can see what ran and in which order */
    trace: join(root, 'trace.txt'),
  }
}
type Lab = ReturnType<typeof lab>

function agentEnv(lab: Lab, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CHAOS_LAB_AGENT_ROOT: lab.root, ...extra }
  if (!('CHAOS_LAB_AGENT_TIMEOUT' in extra)) delete env.CHAOS_LAB_AGENT_TIMEOUT
  return env
}

/** Runs one agent subcommand to completion and parses its JSON answer. */
function agent<T = Record<string, unknown>>(lab: Lab, args: string[], extraEnv: Record<string, string> = {}): Promise<Run<T>> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [AGENT, ...args], { env: agentEnv(lab, extraEnv), stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(child)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(killer)
      children.delete(child)
      const last = stdout.trim().split('\n').at(-1) ?? ''
      try {
        resolve({ code, json: JSON.parse(last) as Run<T>['json'], stdout, stderr })
      } catch {
        reject(new Error(`chaos-lab-agent ${args.join(' ')} printed no JSON (exit ${code}):\n${stdout}\n${stderr}`))
      }
    })
  })
}

/** `add` with a revert command that appends ID to the trace file (plus EXTRA shell code). */
async function addTraced(lab: Lab, id: string, extra = '', timeout?: number): Promise<Entry> {
  const revert = `echo ${id} >> '${lab.trace}'${extra ? `; ${extra}` : ''}`
  const run = await agent<{ added: Entry }>(lab, ['add', '--id', id, '--label', `fault ${id}`, `--revert=${revert}`, ...(timeout ? ['--timeout', String(timeout)] : [])])
  expect(run.code, run.stdout + run.stderr).toBe(0)
  return run.json.added
}

const trace = (lab: Lab): string[] => (existsSync(lab.trace) ? readFileSync(lab.trace, 'utf8').split('\n').filter(Boolean) : [])
const ids = async (lab: Lab): Promise<string[]> => (await agent<{ entries: Entry[] }>(lab, ['list'])).json.entries.map((e) => e.id)

/** The agent daemon as a background process, with its stdout lines. */
function startDaemon(lab: Lab, timeoutSeconds: number) {
  const child = spawn(PYTHON, [AGENT, 'daemon'], {
    env: agentEnv(lab, { CHAOS_LAB_AGENT_TIMEOUT: String(timeoutSeconds) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.add(child)
  const lines: string[] = []
  let buffer = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const parts = buffer.split('\n')
    buffer = parts.pop()!
    lines.push(...parts)
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })))
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    async waitForLine(pattern: RegExp, ms = 15_000): Promise<string> {
      const deadline = Date.now() + ms
      for (;;) {
        const line = lines.find((l) => pattern.test(l))
        if (line) return line
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`daemon never printed ${pattern} (exit ${child.exitCode}); stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)
        }
        await sleep(50)
      }
    },
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(25)
  }
}

/** True while PID runs (a zombie counts as gone: only its exit status is left). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

describe('chaos-lab-agent ledger', SLOW, () => {
  it('adds, lists in injection order and removes; one JSON file per fault, nothing half-written', async () => {
    const l = lab()
    const empty = await agent<{ entries: Entry[] }>(l, ['list'])
    expect(empty.code).toBe(0)
    expect(empty.json).toEqual({ ok: true, entries: [], corrupt: [] })

    const a = await addTraced(l, 'net-delay')
    const b = await addTraced(l, 'cpu-hog', '', 5)
    const c = await addTraced(l, 'disk.fill:1')
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3])
    expect(b).toMatchObject({ id: 'cpu-hog', label: 'fault cpu-hog', revert_timeout_seconds: 5 })
    expect(a.revert_timeout_seconds).toBe(30)
    expect(a.added_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)

    const listed = await agent<{ entries: Entry[] }>(l, ['list'])
    expect(listed.json.entries).toEqual([a, b, c])
    expect(readdirSync(l.ledger).filter((n) => !n.startsWith('.')).sort())
      .toEqual(['0000000001-net-delay.json', '0000000002-cpu-hog.json', '0000000003-disk.fill:1.json'])
    expect(JSON.parse(readFileSync(join(l.ledger, '0000000002-cpu-hog.json'), 'utf8'))).toEqual(b)

    const removed = await agent(l, ['remove', '--id', 'cpu-hog'])
    expect(removed.code).toBe(0)
    expect(removed.json).toEqual({ ok: true, id: 'cpu-hog', removed: true })
    const again = await agent(l, ['remove', '--id', 'cpu-hog'])
    expect(again.code).toBe(0)
    expect(again.json).toEqual({ ok: true, id: 'cpu-hog', removed: false })
    expect(await ids(l)).toEqual(['net-delay', 'disk.fill:1'])

    // the sequence keeps growing after removals: order is never ambiguous
    const d = await addTraced(l, 'cpu-hog')
    expect(d.seq).toBe(4)
    expect(await ids(l)).toEqual(['net-delay', 'disk.fill:1', 'cpu-hog'])
    expect(readdirSync(l.ledger).filter((n) => n.endsWith('.tmp'))).toEqual([])
    expect(readFileSync(l.log, 'utf8')).toMatch(/added net-delay \(seq 1, fault net-delay\)[\s\S]*removed cpu-hog/)
    expect(trace(l)).toEqual([]) // nothing was reverted along the way
  })

  it('refuses a duplicate id with a fix, and bad usage with exit 2 and a fix', async () => {
    const l = lab()
    const first = await addTraced(l, 'kill-nginx')
    const dup = await agent<{ existing: Entry }>(l, ['add', '--id', 'kill-nginx', '--label', 'again', '--revert', 'true'])
    expect(dup.code).toBe(1)
    expect(dup.json.ok).toBe(false)
    expect(dup.json.error).toContain("'kill-nginx' is already in the ledger")
    expect(dup.json.fix).toContain('chaos-lab-agent remove --id kill-nginx')
    expect(dup.json.existing).toEqual(first)
    expect(await ids(l)).toEqual(['kill-nginx'])

    for (const args of [
      ['add', '--id', '../escape', '--label', 'x', '--revert', 'true'],
      ['add', '--id', 'x', '--label', 'x'],
      ['add', '--id', 'x', '--label', 'x', '--revert', 'true', '--timeout', 'soon'],
      ['frobnicate'],
    ]) {
      const bad = await agent(l, args)
      expect(bad.code, args.join(' ')).toBe(2)
      expect(bad.json.ok).toBe(false)
      expect(bad.json.error).toBeTruthy()
      expect(bad.json.fix).toBeTruthy()
    }
    expect(await ids(l)).toEqual(['kill-nginx'])
  })

  it('reports status and takes heartbeats; the timeout comes from agent.conf or the environment', async () => {
    const l = lab()
    let status = await agent<Status>(l, ['status'])
    expect(status.json).toEqual({ ok: true, entries: 0, armed: false, heartbeat_age_seconds: null, timeout_seconds: 30, last_revert: null })

    expect((await agent(l, ['heartbeat'])).json).toEqual({ ok: true, entries: 0, last_revert: null })
    expect(existsSync(l.heartbeat)).toBe(true)
    expect(statSync(join(l.root, 'run', 'chaos-lab')).mode & 0o1777).toBe(0o1777) // beats need no sudo
    await addTraced(l, 'one')
    status = await agent<Status>(l, ['status'])
    expect(status.json).toMatchObject({ entries: 1, armed: true, timeout_seconds: 30 })
    expect(status.json.heartbeat_age_seconds).toBeGreaterThanOrEqual(0)
    expect(status.json.heartbeat_age_seconds).toBeLessThan(10)

    mkdirSync(dirname(l.config), { recursive: true })
    writeFileSync(l.config, '# comment\ntimeout_seconds=45\n')
    expect((await agent<Status>(l, ['status'])).json.timeout_seconds).toBe(45)
    expect((await agent<Status>(l, ['status'], { CHAOS_LAB_AGENT_TIMEOUT: '2' })).json.timeout_seconds).toBe(2)
    const bad = await agent(l, ['status'], { CHAOS_LAB_AGENT_TIMEOUT: 'never' })
    expect(bad.code).toBe(2)
    expect(bad.json.fix).toBeTruthy()
  })
})

describe('chaos-lab-agent revert-all', SLOW, () => {
  it('reverts newest first, forgets each reverted fault and logs the run', async () => {
    const l = lab()
    for (const id of ['first', 'second', 'third']) await addTraced(l, id)
    const run = await agent<Report>(l, ['revert-all', '--reason', 'lab cleanup'])
    expect(run.code, run.stdout).toBe(0)
    expect(run.json).toEqual({ ok: true, reason: 'lab cleanup', reverted: ['third', 'second', 'first'], failed: [], corrupt: [] })
    expect(trace(l)).toEqual(['third', 'second', 'first'])
    expect(await ids(l)).toEqual([])
    expect(readFileSync(l.log, 'utf8')).toContain('revert-all (lab cleanup): reverted 3 (third, second, first)')
    const status = await agent<Status>(l, ['status'])
    expect(status.json).toMatchObject({ entries: 0, armed: false })
    expect(status.json.last_revert).toMatchObject({ reason: 'lab cleanup', reverted: ['third', 'second', 'first'] })

    // nothing left: a second run is a successful no-op
    const again = await agent<Report>(l, ['revert-all'])
    expect(again.code).toBe(0)
    expect(again.json).toMatchObject({ ok: true, reverted: [], failed: [] })
  })

  it('reports and keeps a failing revert while the others still run', async () => {
    const l = lab()
    await addTraced(l, 'a')
    await addTraced(l, 'broken', 'echo "RTNETLINK answers: No such file" >&2; exit 3')
    await addTraced(l, 'c')
    const run = await agent<Report>(l, ['revert-all', '--reason', 'reset'])
    expect(run.code).toBe(1)
    expect(run.json.ok).toBe(false)
    expect(run.json.error).toContain('1 revert(s) failed (broken)')
    expect(run.json.fix).toContain('remove --id')
    expect(run.json.reverted).toEqual(['c', 'a'])
    expect(run.json.failed).toEqual([{ id: 'broken', label: 'fault broken', code: 3, stderr: 'RTNETLINK answers: No such file', timed_out: false }])
    expect(trace(l)).toEqual(['c', 'broken', 'a'])
    expect(await ids(l)).toEqual(['broken'])
    expect(readFileSync(l.log, 'utf8')).toMatch(/revert of broken \(fault broken\) FAILED .* exit 3: RTNETLINK answers/)
  })

  it('kills a revert that hangs at its timeout, process group included, and goes on', async () => {
    const l = lab()
    const pidFile = join(l.root, 'sleep.pid')
    await addTraced(l, 'fine')
    await addTraced(l, 'hangs', `sleep 120 & echo $! > '${pidFile}'; wait`, 1)
    const started = Date.now()
    const run = await agent<Report>(l, ['revert-all'])
    const took = (Date.now() - started) / 1000
    console.log(`revert-all with a revert hanging past its 1 s timeout took ${took.toFixed(2)} s`)
    expect(run.code).toBe(1)
    expect(run.json.failed).toHaveLength(1)
    expect(run.json.failed[0]).toMatchObject({ id: 'hangs', code: 124, timed_out: true })
    expect(run.json.failed[0]!.stderr).toContain('timed out after 1 s: killed')
    expect(run.json.reverted).toEqual(['fine'])
    expect(trace(l)).toEqual(['hangs', 'fine'])
    expect(took).toBeLessThan(10) // 1 s timeout + at most 3 s of TERM/KILL grace + process start-ups
    const pid = Number(readFileSync(pidFile, 'utf8').trim())
    await waitFor('the hung sleep to be gone', () => !isAlive(pid), 5_000)
  })

  it('sets a corrupted ledger file aside and still reverts the rest', async () => {
    const l = lab()
    await addTraced(l, 'a')
    const b = await addTraced(l, 'b')
    await addTraced(l, 'c')
    const bFile = join(l.ledger, `${String(b.seq).padStart(10, '0')}-b.json`)
    writeFileSync(bFile, '{"seq": 2, "id": "b", "rev') // a write torn by a crash of something else
    const listed = await agent<{ entries: Entry[]; corrupt: string[] }>(l, ['list'])
    expect(listed.json.entries.map((e) => e.id)).toEqual(['a', 'c'])
    expect(listed.json.corrupt).toEqual(['0000000002-b.json.corrupt'])

    writeFileSync(join(l.ledger, '0000000007-x.json'), 'not json at all')
    const run = await agent<Report>(l, ['revert-all'])
    expect(run.json.reverted).toEqual(['c', 'a'])
    expect(run.json.corrupt).toEqual(['0000000007-x.json.corrupt'])
    expect(run.code).toBe(1) // a fault whose ledger file is unreadable cannot be vouched for
    expect(run.json.error).toContain('corrupted')
    expect(trace(l)).toEqual(['c', 'a'])
    expect(readdirSync(l.ledger).filter((n) => !n.startsWith('.')).sort()).toEqual(['0000000002-b.json.corrupt', '0000000007-x.json.corrupt'])
    expect(readFileSync(join(l.ledger, '0000000002-b.json.corrupt'), 'utf8')).toBe('{"seq": 2, "id": "b", "rev')
    expect(readFileSync(l.log, 'utf8')).toContain('corrupted ledger file 0000000002-b.json')
  })
})

describe('chaos-lab-agent daemon (dead-man\'s switch)', SLOW, () => {
  const TIMEOUT = 2

  it('keeps faults while heartbeats come, and reverts them within timeout + ~1.5 s once they stop', async () => {
    const l = lab()
    // a heartbeat from long ago: `add` must refresh it, or the new fault would go at once
    mkdirSync(dirname(l.heartbeat), { recursive: true })
    writeFileSync(l.heartbeat, '')
    utimesSync(l.heartbeat, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000))
    const daemon = startDaemon(l, TIMEOUT)
    await daemon.waitForLine(/^started: reverts every fault after 2 s without a heartbeat; 0 fault/)

    const added = await agent(l, ['add', '--id', 'latency', '--label', 'tc netem delay', `--revert=date +%s.%N >> '${l.trace}'`])
    expect(added.code).toBe(0)
    // heartbeats every 0.5 s for 4 s (twice the timeout): nothing may be reverted. They start on
    // a fixed clock, like the app's timer, without waiting for each other: on a busy machine one
    // python start-up can take a second, which must not stretch the gaps.
    const beating: Promise<Run<object>>[] = []
    let armed: Promise<Run<Status>> | undefined
    for (let i = 0; i < 8; i++) {
      beating.push(agent(l, ['heartbeat']))
      if (i === 1) armed = agent<Status>(l, ['status'], { CHAOS_LAB_AGENT_TIMEOUT: String(TIMEOUT) })
      await sleep(500)
    }
    const beats = (await Promise.all(beating)).filter((beat) => beat.code === 0).length
    expect((await armed!).json).toMatchObject({ armed: true, entries: 1, timeout_seconds: TIMEOUT })
    // (checked on disk, not with more agent runs: those could outlast the timeout on a busy machine)
    expect(beats).toBe(8)
    expect(trace(l)).toEqual([])
    expect(readdirSync(l.ledger).filter((n) => n.endsWith('.json'))).toEqual(['0000000001-latency.json'])
    expect(daemon.lines.filter((line) => line.includes("dead-man's switch"))).toEqual([])

    // the app goes away: the last heartbeat is the file's mtime
    const lastBeat = statSync(l.heartbeat).mtimeMs
    const [revertedAt] = await waitFor('the dead-man revert', () => trace(l).length > 0 && trace(l), 20_000)
    const delay = Number(revertedAt) - lastBeat / 1000
    console.log(`dead-man's switch: fault reverted ${delay.toFixed(2)} s after the last heartbeat (timeout ${TIMEOUT} s, ${beats} heartbeats before)`)
    expect(delay).toBeGreaterThanOrEqual(TIMEOUT - 0.05)
    expect(delay).toBeLessThanOrEqual(TIMEOUT + 1.5)

    const line = await daemon.waitForLine(/dead-man's switch/)
    expect(line).toMatch(/^dead-man's switch: no heartbeat from Chaos Lab for [23]s: reverted 1 \(latency\)$/)
    expect(await ids(l)).toEqual([])
    const status = await agent<Status>(l, ['status'])
    expect(status.json).toMatchObject({ armed: false, entries: 0 })
    expect(status.json.last_revert?.reason).toMatch(/^dead-man's switch: no heartbeat from Chaos Lab for \d+s$/)
    // The next beat tells the app: its ledger is empty now, and why (see FaultLedger.compareWithVm).
    const beat = await agent<{ entries: number; last_revert: Status['last_revert'] }>(l, ['heartbeat'])
    expect(beat.json).toMatchObject({ entries: 0, last_revert: { reverted: ['latency'] } })
    expect(beat.json.last_revert?.reason).toBe(status.json.last_revert?.reason)
    expect(readFileSync(l.log, 'utf8')).toContain("revert-all (dead-man's switch: no heartbeat from Chaos Lab for")

    // disarmed now: one run per trip, the daemon stays quiet and alive
    await sleep(1_500)
    expect(daemon.lines.filter((l) => l.includes("dead-man's switch"))).toHaveLength(1)
    expect(trace(l)).toHaveLength(1)
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toEqual({ code: 0, signal: null })
  })

  it('survives a corrupted ledger file and a failing revert: sets the file aside, reverts the rest, retries later', async () => {
    const l = lab()
    await addTraced(l, 'a')
    await addTraced(l, 'b')
    await addTraced(l, 'c')
    await addTraced(l, 'stuck', 'exit 5')
    writeFileSync(join(l.ledger, '0000000002-b.json'), '\u0000\u0000garbage')
    rmSync(l.heartbeat) // as after a reboot: /run is empty, faults are still recorded
    const daemon = startDaemon(l, TIMEOUT)
    const line = await daemon.waitForLine(/^dead-man's switch/)
    expect(line).toBe("dead-man's switch: no heartbeat from Chaos Lab since the VM booted: reverted 2 (c, a); "
      + 'failed 1 (stuck: exit 5); retrying the failed ones in 30 s unless a heartbeat comes')
    expect(daemon.lines.some((l) => l.startsWith('corrupted ledger file 0000000002-b.json: not valid JSON'))).toBe(true)
    expect(trace(l)).toEqual(['stuck', 'c', 'a'])
    expect(readdirSync(l.ledger).filter((n) => !n.startsWith('.')).sort()).toEqual(['0000000002-b.json.corrupt', '0000000004-stuck.json'])
    // the failed revert is not hammered every second
    await sleep(2_500)
    expect(trace(l)).toEqual(['stuck', 'c', 'a'])
    expect(daemon.lines.filter((l) => l.startsWith("dead-man's switch"))).toHaveLength(1)
    expect(daemon.child.exitCode).toBeNull() // still watching
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toEqual({ code: 0, signal: null })
  })

  it('does nothing with an empty ledger and no heartbeat, and ends cleanly on SIGTERM', async () => {
    const l = lab()
    const daemon = startDaemon(l, TIMEOUT)
    await daemon.waitForLine(/^started:/)
    await sleep(TIMEOUT * 1000 + 1_200)
    expect(daemon.child.exitCode).toBeNull()
    expect(daemon.lines).toHaveLength(1)
    expect(existsSync(l.ledger)).toBe(false) // idle means no writes at all
    const sent = Date.now()
    daemon.child.kill('SIGTERM')
    expect(await daemon.exited).toEqual({ code: 0, signal: null })
    console.log(`daemon stopped ${Date.now() - sent} ms after SIGTERM`)
    expect(daemon.lines.at(-1)).toBe('stopped (SIGTERM)')
    expect(daemon.stderr()).toBe('')
  })
})

/** A running `sample`: every line it printed, parsed, and a wait for a condition on them. */
function startSampler() {
  const child = spawn(PYTHON, [AGENT, 'sample'], { stdio: ['pipe', 'pipe', 'pipe'] })
  children.add(child)
  const lines: Record<string, unknown>[] = []
  let buffered = ''
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    const parts = buffered.split('\n')
    buffered = parts.pop()!
    for (const part of parts) lines.push(JSON.parse(part))
  })
  const until = async (test: () => boolean, ms = 10_000): Promise<void> => {
    const deadline = Date.now() + ms
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out; lines: ${JSON.stringify(lines.slice(-2))}`)
      await sleep(50)
    }
  }
  return { child, lines, until }
}

describe('sample: the metrics stream', () => {
  it('prints one JSON line per tick with the raw counters, reports bad configuration, follows a reconfiguration and ends with stdin', async () => {
    const { child, lines, until } = startSampler()
    child.stdin!.write(JSON.stringify({ interval: 0.25, series: [{ id: 'Bad Id', kind: 'command', run: 'true' }, { id: 'odd', kind: 'nope' }] }) + '\n')
    await until(() => lines.some((l) => Array.isArray(l['problems'])))
    const withProblems = lines.find((l) => Array.isArray(l['problems']))!
    expect(withProblems['problems']).toEqual(["series id 'Bad Id' is not valid", "series odd: unknown kind 'nope'"])
    const first = lines[0]!
    expect((first['cpu'] as number[]).length).toBe(8)
    expect(first['load']).toHaveLength(3)
    expect((first['mem'] as number[])[0]).toBeGreaterThan(0)
    expect(first['procs']).toBeGreaterThan(1)
    // A quarter-second tick: four or five lines a second, in sequence.
    const count = lines.length
    await sleep(1100)
    expect(lines.length - count).toBeGreaterThanOrEqual(3)
    expect(lines.map((l) => l['seq'])).toEqual(lines.map((_, i) => i))
    child.stdin!.write(JSON.stringify({ interval: 0.25, series: [{ id: 'answer', kind: 'command', run: 'echo 7', every: 0.25 }] }) + '\n')
    await until(() => (lines.at(-1)?.['lab'] as Record<string, { value?: number }> | undefined)?.['answer']?.value === 7)
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    child.stdin!.end()
    expect(await exited).toBe(0)
  }, 30_000)

  it('has the fields the charts derive from, and a process count that follows processes coming and going', async () => {
    const { child, lines, until } = startSampler()
    child.stdin!.write(JSON.stringify({ interval: 0.25, series: [] }) + '\n')
    await until(() => lines.length >= 2)
    const line = lines.at(-1)!
    for (const fields of Object.values(line['net'] as Record<string, number[]>)) expect(fields).toHaveLength(6)
    for (const fields of Object.values(line['disk'] as Record<string, number[]>)) expect(fields).toHaveLength(5)
    expect((line['mem'] as unknown[]).every((v) => v === null || Number.isInteger(v))).toBe(true)
    expect(line['ncpu']).toBeGreaterThan(0)
    // The count is only taken again when a task was created or ended: it must still see both.
    await sleep(1000)
    const before = lines.at(-1)!['procs'] as number
    const sleepers = Array.from({ length: 20 }, () => spawn('sleep', ['30'], { stdio: 'ignore' }))
    sleepers.forEach((s) => children.add(s))
    await until(() => (lines.at(-1)!['procs'] as number) >= before + 15)
    const during = lines.at(-1)!['procs'] as number
    sleepers.forEach((s) => s.kill('SIGKILL'))
    await until(() => (lines.at(-1)!['procs'] as number) <= during - 15)
    child.stdin!.end()
  }, 30_000)

  it('reads an access log with key=value fields: the first token of each key, errors, latency percentiles, nothing counted twice', async () => {
    const dir = tempDir('chaos-lab-sample-')
    cleanups.push(dir.cleanup)
    const log = join(dir.path, 'access.log')
    writeFileSync(log, 'status=500 time=9.9\n') // history before sampling starts is not counted
    const { child, lines, until } = startSampler()
    child.stdin!.write(JSON.stringify({ interval: 0.25, series: [{ id: 'web', kind: 'log', path: log, statusField: 'status', latencyField: 'time', latencyUnit: 's' }] }) + '\n')
    type Log = { n: number; errors: number; p50?: number; p99?: number; max?: number }
    const web = (l: Record<string, unknown>): Log | undefined => (l['lab'] as Record<string, Log> | undefined)?.['web']
    await until(() => lines.some((l) => web(l)?.n === 0))
    const upstream = '10.0.0.1 - [01/Jan/2025:00:00:00 +0000] "GET / HTTP/1.1" upstream_status=502 status=200 upstream=127.0.0.1:8001 time=0.010 status=500'
    appendFileSync(log, [
      ...Array(8).fill(upstream),          // the first status= token counts, not upstream_status= or a later one
      'status=503\ttime=0.200',            // tab-separated
      'time=0.400 status=',                // empty status: an error
      'status=404 time=-',                 // no latency (nginx logs "-" without an upstream)
      '',
      '   ',
      'status=200 time=0.0',
    ].join('\n') + '\nstatus=200 ti')        // half a line: counted once it is complete
    await until(() => lines.some((l) => (web(l)?.n ?? 0) > 0))
    const counted = lines.filter((l) => (web(l)?.n ?? 0) > 0).map(web)
    expect(counted).toEqual([{ n: 12, errors: 3, p50: 10, p95: 300, p99: 380, max: 400 }])
    appendFileSync(log, 'me=0.050\n')
    await until(() => lines.filter((l) => (web(l)?.n ?? 0) > 0).length === 2)
    expect(lines.filter((l) => (web(l)?.n ?? 0) > 0).map(web)[1]).toEqual({ n: 1, errors: 0, p50: 50, p95: 50, p99: 50, max: 50 })
    child.stdin!.end()
  }, 30_000)
})
