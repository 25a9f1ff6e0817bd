// The app's one SQLite database (better-sqlite3 13, N-API: the same binary loads in Node and in
// Electron). WAL mode so the UI's reads never wait behind a check result being written.
// Schema changes are numbered migrations; PRAGMA user_version records how far a file has come.
import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { AppError } from '../errors'
import { MIGRATIONS, type Migration } from './migrations'

export type Db = Database.Database

export const DATABASE_FILE = 'chaos-lab.sqlite'

export function openDatabase(file: string, migrations: readonly Migration[] = MIGRATIONS): Db {
  let db: Db
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    db = new Database(file)
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    // A second Chaos Lab process (the CLI next to the app) may hold a write lock briefly.
    db.pragma('busy_timeout = 3000')
  } catch (err) {
    throw new AppError({
      code: 'storage',
      message: `Chaos Lab could not open its database at ${file}.`,
      fix: 'Check that the folder is writable and the disk is not full; if the file is damaged, move it aside and restart.',
      details: [String(err)],
    })
  }
  migrate(db, migrations)
  return db
}

export function migrate(db: Db, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number
  const latest = migrations.at(-1)?.version ?? 0
  if (current > latest) {
    throw new AppError({
      code: 'storage',
      message: `The database was written by a newer Chaos Lab (schema ${current}; this version knows ${latest}).`,
      fix: 'Update Chaos Lab, or move the database file aside to start fresh.',
    })
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue
    // Each migration and its version bump commit together, so a crash never leaves a half step.
    db.transaction(() => {
      db.exec(migration.sql)
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
}
