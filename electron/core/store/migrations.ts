// Numbered schema migrations. Append only: never edit a migration that has shipped, add the
// next number instead. Versions must be consecutive from 1 (a unit test checks this).

export interface Migration {
  version: number
  name: string
  sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'settings, lab progress and timeline',
    sql: `
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL              -- JSON
      );
      CREATE TABLE lab_progress (
        lab_id     TEXT PRIMARY KEY,
        status     TEXT NOT NULL CHECK (status IN ('new', 'in-progress', 'completed')),
        updated_at INTEGER NOT NULL      -- ms since epoch
      );
      CREATE TABLE timeline_events (
        id     INTEGER PRIMARY KEY,
        lab_id TEXT,
        at     INTEGER NOT NULL,         -- ms since epoch
        kind   TEXT NOT NULL,            -- e.g. lab-opened, step-passed, fault-injected
        data   TEXT NOT NULL DEFAULT '{}' -- JSON
      );
      CREATE INDEX timeline_events_by_lab ON timeline_events (lab_id, at);
    `,
  },
  {
    version: 2,
    name: 'step progress and predictions',
    sql: `
      CREATE TABLE step_progress (
        lab_id    TEXT NOT NULL,
        step_id   TEXT NOT NULL,
        status    TEXT NOT NULL CHECK (status IN ('open', 'passed', 'skipped')),
        attempts  INTEGER NOT NULL DEFAULT 0, -- check runs that failed before it passed
        passed_at INTEGER,                    -- ms since epoch
        PRIMARY KEY (lab_id, step_id)
      );
      CREATE TABLE predictions (
        lab_id  TEXT NOT NULL,
        step_id TEXT NOT NULL,
        text    TEXT NOT NULL,
        at      INTEGER NOT NULL,
        PRIMARY KEY (lab_id, step_id)
      );
    `,
  },
  {
    version: 3,
    name: 'imported experiments, their runs, and lab packs',
    sql: `
      CREATE TABLE experiments (
        id          INTEGER PRIMARY KEY,
        file_name   TEXT NOT NULL,
        title       TEXT NOT NULL,
        source      TEXT NOT NULL,            -- the file as imported (JSON or YAML), parsed again to run
        imported_at INTEGER NOT NULL          -- ms since epoch
      );
      CREATE TABLE experiment_runs (
        id            INTEGER PRIMARY KEY,
        experiment_id INTEGER REFERENCES experiments (id) ON DELETE SET NULL,
        title         TEXT NOT NULL,
        experiment    TEXT NOT NULL,          -- JSON: the parsed experiment that ran
        status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'aborted', 'interrupted')),
        deviated      INTEGER NOT NULL DEFAULT 0,
        outcome       TEXT NOT NULL DEFAULT '',
        journal       TEXT,                   -- JSON: the Chaos Toolkit-style journal, once it ended
        started_at    INTEGER NOT NULL,
        ended_at      INTEGER,
        owner_pid     INTEGER                 -- the process running it, while status is 'running'
      );
      CREATE INDEX experiment_runs_by_start ON experiment_runs (started_at);
      CREATE TABLE lab_packs (
        path     TEXT PRIMARY KEY,            -- absolute folder of labs the user added
        added_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    name: 'chart samples for the lab journal',
    sql: `
      CREATE TABLE metric_samples (
        lab_id TEXT NOT NULL,
        at     INTEGER NOT NULL,              -- ms since epoch (the app's clock)
        data   TEXT NOT NULL                  -- JSON {seriesId: value or null}; {} marks a gap
      );
      CREATE INDEX metric_samples_by_lab ON metric_samples (lab_id, at);
    `,
  },
]
