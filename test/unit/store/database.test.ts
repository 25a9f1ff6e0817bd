import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { migrate, openDatabase } from '../../../electron/core/store/database'
import { MIGRATIONS } from '../../../electron/core/store/migrations'
import { ProgressRepository, SettingsRepository } from '../../../electron/core/store/repositories'
import { AppError } from '../../../electron/core/errors'
import { DEFAULT_SETTINGS } from '../../../electron/core/api'
import { tempDir } from '../../helpers/tmp'

let dir: { path: string; cleanup: () => void }
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => dir.cleanup())

describe('database', () => {
  it('opens in WAL mode at the latest schema, creating the folder', () => {
    const db = openDatabase(join(dir.path, 'nested', 'app.sqlite'))
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)!.version)
    db.close()
  })

  it('keeps migrations numbered 1..n so none is skipped', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1))
  })

  it('applies only new migrations on reopen and keeps the data', () => {
    const file = join(dir.path, 'app.sqlite')
    const first = openDatabase(file)
    new ProgressRepository(first).setStatus('lab-a', 'completed')
    first.close()

    const extra = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'test column', sql: 'ALTER TABLE lab_progress ADD COLUMN note TEXT' }]
    const second = openDatabase(file, extra)
    expect(second.pragma('user_version', { simple: true })).toBe(extra.length)
    expect(new ProgressRepository(second).statuses().get('lab-a')).toBe('completed')
    // Running the same list again changes nothing (and does not fail on the ALTER).
    migrate(second, extra)
    second.close()
  })

  it('refuses a database from a newer version instead of corrupting it', () => {
    const file = join(dir.path, 'app.sqlite')
    const db = openDatabase(file)
    db.pragma('user_version = 99')
    db.close()
    expect(() => openDatabase(file)).toThrow(AppError)
  })

  it('rolls back a failing migration as a whole', () => {
    const db = openDatabase(':memory:')
    const broken = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'broken', sql: 'CREATE TABLE half (x); THIS IS NOT SQL' }]
    expect(() => migrate(db, broken)).toThrow()
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBeUndefined()
    db.close()
  })

  it('reports an unopenable file as a storage error with a fix', () => {
    // A plain file where the data folder should be: the folder cannot be created.
    // (Not a path under /proc: Node's recursive mkdirSync loops forever there.)
    const blocker = join(dir.path, 'blocker')
    writeFileSync(blocker, '')
    try {
      openDatabase(join(blocker, 'app.sqlite'))
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(AppError)
      expect((err as AppError).code).toBe('storage')
      expect((err as AppError).fix).not.toBe('')
    }
  })
})

describe('settings', () => {
  it('returns defaults, persists updates, and survives a damaged value', () => {
    const db = openDatabase(':memory:')
    const settings = new SettingsRepository(db)
    expect(settings.get()).toEqual(DEFAULT_SETTINGS)
    expect(settings.update({ theme: 'dark', vmMemoryMb: 6144 })).toEqual({ ...DEFAULT_SETTINGS, theme: 'dark', vmMemoryMb: 6144 })
    db.prepare("UPDATE settings SET value = '{not json' WHERE key = 'theme'").run()
    // One damaged value falls back to its default; the others survive.
    expect(settings.get()).toEqual({ ...DEFAULT_SETTINGS, vmMemoryMb: 6144 })
    db.prepare(`UPDATE settings SET value = '"purple"' WHERE key = 'theme'`).run()
    db.prepare(`UPDATE settings SET value = '100' WHERE key = 'vmMemoryMb'`).run()
    expect(settings.get()).toEqual(DEFAULT_SETTINGS)
    db.close()
  })
})

describe('progress', () => {
  it('records each status change on the timeline', () => {
    const db = openDatabase(':memory:')
    const progress = new ProgressRepository(db)
    progress.setStatus('lab-a', 'in-progress', 1000)
    progress.setStatus('lab-a', 'completed', 2000)
    expect(progress.statuses().get('lab-a')).toBe('completed')
    const events = db.prepare("SELECT at, kind, data FROM timeline_events WHERE lab_id = 'lab-a' ORDER BY at").all()
    expect(events).toEqual([
      { at: 1000, kind: 'lab-status', data: '{"status":"in-progress"}' },
      { at: 2000, kind: 'lab-status', data: '{"status":"completed"}' },
    ])
    db.close()
  })
})
