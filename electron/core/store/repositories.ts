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
