// Typed reads and writes over the database. Statements are prepared once per store.
import { DEFAULT_SETTINGS, LabStatus, Settings } from '../api'
import type { Db } from './database'

export class SettingsRepository {
  private readonly selectAll
  private readonly upsert

  constructor(private readonly db: Db) {
    this.selectAll = db.prepare<[], { key: string; value: string }>('SELECT key, value FROM settings')
    this.upsert = db.prepare<[string, string]>('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
  }

  get(): Settings {
    const stored: Record<string, unknown> = {}
    for (const row of this.selectAll.all()) {
      try {
        stored[row.key] = JSON.parse(row.value)
      } catch {
        // A damaged value falls back to its default rather than locking the user out.
      }
    }
    // Field by field, so one bad stored value does not reset the others.
    const result: Record<string, unknown> = { ...DEFAULT_SETTINGS }
    for (const [key, field] of Object.entries(Settings.shape)) {
      const parsed = field.safeParse(stored[key])
      if (parsed.success) result[key] = parsed.data
    }
    return Settings.parse(result)
  }

  update(patch: Partial<Settings>): Settings {
    this.db.transaction(() => {
      for (const [key, value] of Object.entries(patch)) {
        if (value !== undefined) this.upsert.run(key, JSON.stringify(value))
      }
    })()
    return this.get()
  }
}

export class ProgressRepository {
  private readonly selectAll
  private readonly upsert
  private readonly insertEvent

  constructor(db: Db) {
    this.selectAll = db.prepare<[], { lab_id: string; status: string }>('SELECT lab_id, status FROM lab_progress')
    this.upsert = db.prepare<[string, string, number]>(
      'INSERT INTO lab_progress (lab_id, status, updated_at) VALUES (?, ?, ?) ON CONFLICT (lab_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at',
    )
    this.insertEvent = db.prepare<[string | null, number, string, string]>('INSERT INTO timeline_events (lab_id, at, kind, data) VALUES (?, ?, ?, ?)')
  }

  statuses(): Map<string, LabStatus> {
    const map = new Map<string, LabStatus>()
    for (const row of this.selectAll.all()) {
      const status = LabStatus.safeParse(row.status)
      if (status.success) map.set(row.lab_id, status.data)
    }
    return map
  }

  setStatus(labId: string, status: LabStatus, now = Date.now()): void {
    this.upsert.run(labId, status, now)
    this.insertEvent.run(labId, now, 'lab-status', JSON.stringify({ status }))
  }

  recordEvent(labId: string | null, kind: string, data: Record<string, unknown> = {}, now = Date.now()): void {
    this.insertEvent.run(labId, now, kind, JSON.stringify(data))
  }
}

export interface StepProgressRow {
  stepId: string
  status: 'open' | 'passed' | 'skipped'
  attempts: number
  passedAt: number | null
  prediction: string | null
}

export interface TimelineRow {
  at: number
  kind: string
  data: Record<string, unknown>
}

/** Per-step progress, predictions and the lab timeline: what the journal report is made of. */
export class JournalRepository {
  private readonly selectSteps
  private readonly selectPredictions
  private readonly failedAttempt
  private readonly passStep
  private readonly upsertPrediction
  private readonly selectTimeline

  constructor(db: Db) {
    this.selectSteps = db.prepare<[string], { step_id: string; status: StepProgressRow['status']; attempts: number; passed_at: number | null }>('SELECT step_id, status, attempts, passed_at FROM step_progress WHERE lab_id = ?')
    this.selectPredictions = db.prepare<[string], { step_id: string; text: string }>('SELECT step_id, text FROM predictions WHERE lab_id = ?')
    this.failedAttempt = db.prepare<[string, string]>(
      "INSERT INTO step_progress (lab_id, step_id, status, attempts) VALUES (?, ?, 'open', 1) ON CONFLICT (lab_id, step_id) DO UPDATE SET attempts = attempts + 1 WHERE status = 'open'",
    )
    this.passStep = db.prepare<[string, string, string, number]>(
      "INSERT INTO step_progress (lab_id, step_id, status, attempts, passed_at) VALUES (?, ?, ?, 0, ?) ON CONFLICT (lab_id, step_id) DO UPDATE SET status = excluded.status, passed_at = excluded.passed_at WHERE status = 'open'",
    )
    this.upsertPrediction = db.prepare<[string, string, string, number]>('INSERT INTO predictions (lab_id, step_id, text, at) VALUES (?, ?, ?, ?) ON CONFLICT (lab_id, step_id) DO UPDATE SET text = excluded.text, at = excluded.at')
    this.selectTimeline = db.prepare<[string], { at: number; kind: string; data: string }>('SELECT at, kind, data FROM timeline_events WHERE lab_id = ? ORDER BY at, id')
  }

  steps(labId: string): StepProgressRow[] {
    const predictions = new Map(this.selectPredictions.all(labId).map((p) => [p.step_id, p.text]))
    const rows = this.selectSteps.all(labId).map((r) => ({ stepId: r.step_id, status: r.status, attempts: r.attempts, passedAt: r.passed_at, prediction: predictions.get(r.step_id) ?? null }))
    for (const [stepId, prediction] of predictions) {
      if (!rows.some((r) => r.stepId === stepId)) rows.push({ stepId, status: 'open', attempts: 0, passedAt: null, prediction })
    }
    return rows
  }

  /** Returns true when this call is the one that marked the step done. */
  markDone(labId: string, stepId: string, status: 'passed' | 'skipped', now = Date.now()): boolean {
    return this.passStep.run(labId, stepId, status, now).changes > 0
  }

  failedCheck(labId: string, stepId: string): void {
    this.failedAttempt.run(labId, stepId)
  }

  predict(labId: string, stepId: string, text: string, now = Date.now()): void {
    this.upsertPrediction.run(labId, stepId, text, now)
  }

  timeline(labId: string): TimelineRow[] {
    return this.selectTimeline.all(labId).map((r) => {
      let data: Record<string, unknown> = {}
      try {
        data = JSON.parse(r.data) as Record<string, unknown>
      } catch {
        // a damaged row still shows when it happened
      }
      return { at: r.at, kind: r.kind, data }
    })
  }
}

// ---------------------------------------------------------------------------------------------
// Experiments and lab packs

export type ExperimentRunStatus = 'running' | 'completed' | 'failed' | 'aborted' | 'interrupted'

export interface ExperimentRow {
  id: number
  fileName: string
  title: string
  /** The file as imported. */
  source: string
  importedAt: number
}

export interface ExperimentRunRow {
  id: number
  experimentId: number | null
  title: string
  status: ExperimentRunStatus
  deviated: boolean
  outcome: string
  startedAt: number
  endedAt: number | null
  /** The process that runs it while status is 'running' (to tell a live run from a crashed one). */
  ownerPid: number | null
}

type RunSqlRow = { id: number; experiment_id: number | null; title: string; status: ExperimentRunStatus; deviated: number; outcome: string; started_at: number; ended_at: number | null; owner_pid: number | null }
const RUN_COLUMNS = 'id, experiment_id, title, status, deviated, outcome, started_at, ended_at, owner_pid'
const toRun = (r: RunSqlRow): ExperimentRunRow => ({
  id: r.id,
  experimentId: r.experiment_id,
  title: r.title,
  status: r.status,
  deviated: r.deviated === 1,
  outcome: r.outcome,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  ownerPid: r.owner_pid,
})

/** Imported experiments and every run with its journal (JSON text, parsed by the caller). */
export class ExperimentRepository {
  private readonly insertExperiment
  private readonly selectExperiment
  private readonly selectExperiments
  private readonly deleteExperiment
  private readonly insertRun
  private readonly updateRun
  private readonly selectRun
  private readonly selectRuns
  private readonly selectRunning
  private readonly interruptRun

  constructor(db: Db) {
    this.insertExperiment = db.prepare<[string, string, string, number]>('INSERT INTO experiments (file_name, title, source, imported_at) VALUES (?, ?, ?, ?)')
    this.selectExperiment = db.prepare<[number], { id: number; file_name: string; title: string; source: string; imported_at: number }>('SELECT id, file_name, title, source, imported_at FROM experiments WHERE id = ?')
    this.selectExperiments = db.prepare<[], { id: number; file_name: string; title: string; source: string; imported_at: number }>('SELECT id, file_name, title, source, imported_at FROM experiments ORDER BY imported_at DESC, id DESC')
    this.deleteExperiment = db.prepare<[number]>('DELETE FROM experiments WHERE id = ?')
    this.insertRun = db.prepare<[number | null, string, string, number, number]>("INSERT INTO experiment_runs (experiment_id, title, experiment, status, started_at, owner_pid) VALUES (?, ?, ?, 'running', ?, ?)")
    this.updateRun = db.prepare<[string, number, string, string | null, number, number]>('UPDATE experiment_runs SET status = ?, deviated = ?, outcome = ?, journal = ?, ended_at = ?, owner_pid = NULL WHERE id = ?')
    this.selectRun = db.prepare<[number], RunSqlRow & { journal: string | null }>(`SELECT ${RUN_COLUMNS}, journal FROM experiment_runs WHERE id = ?`)
    this.selectRuns = db.prepare<[number], RunSqlRow>(`SELECT ${RUN_COLUMNS} FROM experiment_runs ORDER BY started_at DESC, id DESC LIMIT ?`)
    this.selectRunning = db.prepare<[], RunSqlRow>(`SELECT ${RUN_COLUMNS} FROM experiment_runs WHERE status = 'running'`)
    this.interruptRun = db.prepare<[string, number, number]>("UPDATE experiment_runs SET status = 'interrupted', outcome = ?, ended_at = ?, owner_pid = NULL WHERE id = ? AND status = 'running'")
  }

  add(fileName: string, title: string, source: string, now = Date.now()): ExperimentRow {
    const id = Number(this.insertExperiment.run(fileName, title, source, now).lastInsertRowid)
    return { id, fileName, title, source, importedAt: now }
  }

  get(id: number): ExperimentRow | null {
    const r = this.selectExperiment.get(id)
    return r ? { id: r.id, fileName: r.file_name, title: r.title, source: r.source, importedAt: r.imported_at } : null
  }

  list(): ExperimentRow[] {
    return this.selectExperiments.all().map((r) => ({ id: r.id, fileName: r.file_name, title: r.title, source: r.source, importedAt: r.imported_at }))
  }

  remove(id: number): boolean {
    return this.deleteExperiment.run(id).changes > 0
  }

  /** Records a run as started (committed before the first activity runs); returns its id. */
  startRun(experimentId: number | null, title: string, experiment: unknown, now = Date.now(), ownerPid = process.pid): number {
    return Number(this.insertRun.run(experimentId, title, JSON.stringify(experiment), now, ownerPid).lastInsertRowid)
  }

  finishRun(id: number, end: { status: Exclude<ExperimentRunStatus, 'running'>; deviated: boolean; outcome: string; journal: unknown; endedAt: number }): void {
    this.updateRun.run(end.status, end.deviated ? 1 : 0, end.outcome, end.journal === null ? null : JSON.stringify(end.journal), end.endedAt, id)
  }

  run(id: number): (ExperimentRunRow & { journal: unknown }) | null {
    const r = this.selectRun.get(id)
    if (!r) return null
    let journal: unknown = null
    try {
      journal = r.journal === null ? null : JSON.parse(r.journal)
    } catch {
      // a damaged journal still leaves the run's status and outcome to show
    }
    return { ...toRun(r), journal }
  }

  runs(limit = 200): ExperimentRunRow[] {
    return this.selectRuns.all(limit).map(toRun)
  }

  /**
   * Runs left 'running' by a process that is gone (the app was killed mid-run): marks them
   * interrupted. A run owned by a live process (the app, while the CLI looks) is left alone.
   */
  interruptOrphans(isAlive: (pid: number) => boolean, outcome: string, now = Date.now()): number[] {
    const orphans = this.selectRunning.all().filter((r) => r.owner_pid === null || !isAlive(r.owner_pid))
    for (const r of orphans) this.interruptRun.run(outcome, now, r.id)
    return orphans.map((r) => r.id)
  }
}

export interface LabPackRow {
  path: string
  addedAt: number
}

/** The lab pack folders the user added, oldest first (the catalogue's order). */
export class LabPackRepository {
  private readonly selectAll
  private readonly insert
  private readonly remove_

  constructor(db: Db) {
    this.selectAll = db.prepare<[], { path: string; added_at: number }>('SELECT path, added_at FROM lab_packs ORDER BY added_at, rowid')
    this.insert = db.prepare<[string, number]>('INSERT INTO lab_packs (path, added_at) VALUES (?, ?) ON CONFLICT (path) DO NOTHING')
    this.remove_ = db.prepare<[string]>('DELETE FROM lab_packs WHERE path = ?')
  }

  list(): LabPackRow[] {
    return this.selectAll.all().map((r) => ({ path: r.path, addedAt: r.added_at }))
  }

  add(path: string, now = Date.now()): boolean {
    return this.insert.run(path, now).changes > 0
  }

  remove(path: string): boolean {
    return this.remove_.run(path).changes > 0
  }
}

/**
 * The samples of a lab's charts while it was open, for the journal after a restart (the live
 * buffers live in memory). Written in batches; kept 14 days.
 */
export class MetricSamplesRepository {
  private readonly insert
  private readonly selectSince
  private readonly prune

  constructor(private readonly db: Db) {
    this.insert = db.prepare<[string, number, string]>('INSERT INTO metric_samples (lab_id, at, data) VALUES (?, ?, ?)')
    this.selectSince = db.prepare<[string, number], { at: number; data: string }>('SELECT at, data FROM metric_samples WHERE lab_id = ? AND at >= ? ORDER BY at, rowid LIMIT 100000')
    this.prune = db.prepare<[number]>('DELETE FROM metric_samples WHERE at < ?')
  }

  append(labId: string, rows: { at: number; values: Record<string, number | null> }[]): void {
    this.db.transaction(() => {
      for (const row of rows) this.insert.run(labId, row.at, JSON.stringify(row.values))
    })()
  }

  since(labId: string, sinceMs: number): { at: number; values: Record<string, number | null> }[] {
    return this.selectSince.all(labId, sinceMs).flatMap((row) => {
      try {
        return [{ at: row.at, values: JSON.parse(row.data) as Record<string, number | null> }]
      } catch {
        return []
      }
    })
  }

  pruneOlderThan(ms: number, now = Date.now()): number {
    return this.prune.run(now - ms).changes
  }
}
