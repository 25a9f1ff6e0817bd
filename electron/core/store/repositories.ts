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
