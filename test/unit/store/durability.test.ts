// Progress survives a kill -9 of the app at any moment. A real child process writes check
// results, timeline events, lab statuses, settings and experiment runs through the app's own
// repositories, printing each one after its commit returns; we SIGKILL it at random moments,
// several times over the same database file, and after each kill reopen the file the way the
// app does: the database must be intact and hold every row the child reported as committed.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { ORPHAN_OUTCOME } from '../../../electron/core/experiments/service'
import { openDatabase } from '../../../electron/core/store/database'
import { ExperimentRepository, JournalRepository, SettingsRepository } from '../../../electron/core/store/repositories'
import { tempDir } from '../../helpers/tmp'

const WRITER = join(__dirname, 'durability-writer.ts')
const ROUNDS = 6

let dir: ReturnType<typeof tempDir>
beforeEach(() => {
  dir = tempDir('chaos-lab-durability-')
})
afterEach(() => dir.cleanup())

/** Runs the writer until it has committed for `aliveMs` more, then SIGKILLs it; returns its stdout lines. */
function writeThenKill(file: string, round: number, aliveMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(round)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let armed = false
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      // Start the clock once it is really writing, so every round kills it mid-stream.
      if (!armed && stdout.includes('\nstep ')) {
        armed = true
        setTimeout(() => child.kill('SIGKILL'), aliveMs)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (signal !== 'SIGKILL' || !armed) reject(new Error(`the writer ended on its own (code ${code}, signal ${signal}):\n${stderr}`))
      // A line cut by the kill was never fully reported: only whole lines count.
      else resolve(stdout.split('\n').slice(0, -1))
    })
  })
}

describe('the store under kill -9', () => {
  it(`keeps every committed row and stays intact across ${ROUNDS} kills at random moments`, async () => {
    const file = join(dir.path, 'chaos-lab.sqlite')
    const reported = { steps: [] as string[], events: [] as string[], statuses: [] as string[], runsStarted: [] as number[], runsFinished: [] as number[] }
    const moments: number[] = []

    for (let round = 0; round < ROUNDS; round++) {
      const aliveMs = 20 + Math.floor(Math.random() * 400)
      moments.push(aliveMs)
      const lines = await writeThenKill(file, round, aliveMs)
      const attempts = { count: 0 }
      let lastSettings: number | null = null
      for (const line of lines) {
        const [kind, a, b] = line.split(' ')
        if (kind === 'step') reported.steps.push(a!)
        else if (kind === 'event') reported.events.push(a!)
        else if (kind === 'status') reported.statuses.push(a!)
        else if (kind === 'attempt') attempts.count = Number(b)
        else if (kind === 'settings') lastSettings = Number(b)
        else if (kind === 'run-started') reported.runsStarted.push(Number(a))
        else if (kind === 'run-finished') reported.runsFinished.push(Number(a))
      }
      expect(reported.steps.length, `round ${round} wrote nothing before the kill`).toBeGreaterThan(0)

      // Reopen as the app does: WAL recovery, migrations, then the checks.
      const db = openDatabase(file)
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
        expect(db.pragma('foreign_key_check')).toEqual([])
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal')

        const steps = new Set(new JournalRepository(db).steps('durability').filter((s) => s.status === 'passed').map((s) => s.stepId))
        expect(reported.steps.filter((key) => !steps.has(`step-${key}`))).toEqual([])
        const flaky = new JournalRepository(db).steps('durability').find((s) => s.stepId === `flaky-${round}`)
        expect(flaky?.attempts ?? 0).toBeGreaterThanOrEqual(attempts.count)

        const events = new Set(db.prepare<[], { data: string }>("SELECT data FROM timeline_events WHERE kind = 'check-failed'").all().map((r) => (JSON.parse(r.data) as { key: string }).key))
        expect(reported.events.filter((key) => !events.has(key))).toEqual([])
        const statuses = new Set(db.prepare<[], { lab_id: string }>('SELECT lab_id FROM lab_progress').all().map((r) => r.lab_id))
        expect(reported.statuses.filter((key) => !statuses.has(`lab-${key}`))).toEqual([])

        // Three settings written in one transaction: never a mix of two writes, never older than reported.
        const settings = new SettingsRepository(db).get()
        const n = settings.vmMemoryMb - 1024
        expect(settings.vmCpus).toBe((n % 64) + 1)
        expect(settings.theme).toBe(n % 2 === 0 ? 'dark' : 'light')
        if (lastSettings !== null) expect(n).toBeGreaterThanOrEqual(lastSettings)

        const repo = new ExperimentRepository(db)
        for (const id of reported.runsStarted) expect(repo.run(id), `run ${id}`).not.toBeNull()
        for (const id of reported.runsFinished) expect(repo.run(id)).toMatchObject({ status: 'completed', journal: { status: 'completed', output: expect.stringMatching(/^x{8000}$/) } })
        // A run the kill caught between start and finish is marked interrupted on the next start.
        const orphans = repo.interruptOrphans(() => false, ORPHAN_OUTCOME)
        for (const id of orphans) expect(repo.run(id)).toMatchObject({ status: 'interrupted', outcome: ORPHAN_OUTCOME, journal: null })
        expect(repo.runs(10_000).filter((r) => r.status === 'running')).toEqual([])
      } finally {
        db.close()
      }
    }
    console.log(`[durability] ${ROUNDS} kills after ${moments.join(', ')} ms of writing; ${reported.steps.length} check results, ${reported.events.length} events, ${reported.runsFinished.length} experiment runs verified`)
  }, 120_000)
})
