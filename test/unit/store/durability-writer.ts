// The writer of the durability test (durability.test.ts kills it with SIGKILL at random
// moments). It writes what the app writes, through the app's own repositories, as fast as it
// can, and prints one line to stdout after each commit returns: the test then requires every
// printed row to be in the database after the kill.
//
//   node --import tsx durability-writer.ts <db file> <round>
import { openDatabase } from '../../../electron/core/store/database'
import { ExperimentRepository, JournalRepository, ProgressRepository, SettingsRepository } from '../../../electron/core/store/repositories'

const [file, roundArg] = process.argv.slice(2)
const round = Number(roundArg)
const db = openDatabase(file!)
const progress = new ProgressRepository(db)
const journal = new JournalRepository(db)
const settings = new SettingsRepository(db)
const experiments = new ExperimentRepository(db)
const say = (line: string): void => void process.stdout.write(`${line}\n`)
// A journal of a realistic size (a few KB of probe output).
const bigJournal = { status: 'completed', output: 'x'.repeat(8_000) }

say('ready')
for (let n = 0; ; n++) {
  const key = `${round}-${n}`
  // A check result: the step passes (one row), or a failed attempt (an update of a counter).
  journal.markDone('durability', `step-${key}`, 'passed')
  say(`step ${key}`)
  journal.failedCheck('durability', `flaky-${round}`)
  say(`attempt ${round} ${n + 1}`)
  // A timeline event and a lab status.
  progress.recordEvent('durability', 'check-failed', { key, message: 'expected 200, observed 503' })
  say(`event ${key}`)
  progress.setStatus(`lab-${key}`, 'in-progress')
  say(`status ${key}`)
  // Several settings in one transaction: after a kill, all of them or none.
  settings.update({ vmMemoryMb: 1024 + n, vmCpus: (n % 64) + 1, theme: n % 2 === 0 ? 'dark' : 'light' })
  say(`settings ${round} ${n}`)
  // An experiment run: started (committed before it "runs"), then finished with its journal.
  if (n % 5 === 0) {
    const id = experiments.startRun(null, `run ${key}`, { title: `run ${key}` })
    say(`run-started ${id}`)
    experiments.finishRun(id, { status: 'completed', deviated: false, outcome: 'held', journal: { ...bigJournal, key }, endedAt: Date.now() })
    say(`run-finished ${id}`)
  }
}
