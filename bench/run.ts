// `npm run bench`: the hot paths measured side by side with what a user would otherwise use, in
// one run (our machines are shared and noisy: read the ratios). Prints one table and writes the
// same rows as JSON to artifacts/bench-<time>.json. Rows that need the VM run when one is up
// (inside `npm run bench:vm`, which boots the CI VM), and are skipped with a note otherwise.
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_SETTINGS } from '../electron/core/api'
import { runVagrant } from '../electron/core/sandbox/vagrantCli'
import { SshConnection } from '../electron/core/sandbox/sshConnection'
import { parseSshConfig, VagrantSandbox } from '../electron/core/sandbox/vagrantSandbox'
import { openDatabase } from '../electron/core/store/database'
import { JournalRepository, ProgressRepository } from '../electron/core/store/repositories'
import { startTestSshd } from '../test/helpers/sshd'
import { REPO_ROOT, tempDir } from '../test/helpers/tmp'
import { browserRows } from './browser'
import { measureSamplerCost, sessionCgroup } from './sampler'

export interface Row {
  figure: string
  ours: string
  alternative: string
  ratio: string
  target: string
  verdict: 'met' | 'missed' | 'info' | 'skipped'
  how: string
}

const rows: Row[] = []
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)

async function sample(rounds: number, once: () => Promise<unknown> | unknown): Promise<number[]> {
  await once() // warm-up, not counted
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const started = performance.now()
    await once()
    times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)
}
const median = (sorted: number[]): number => sorted[Math.floor(sorted.length / 2)]!
const spread = (sorted: number[]): string => `${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)} ms`
const ms = (value: number): string => (value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(value >= 10 ? 1 : 3)} ms`)

function run(file: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, { cwd }, (err) => (err ? reject(err) : resolve())))
}

/** Check round trip: one command through the app's persistent connection vs a process per command. */
async function roundTrip(ssh: SshConnection, sshArgs: string[], vagrantDir: string | null, where: string): Promise<void> {
  const command = 'cat /proc/loadavg'
  const ours = await sample(ROUNDS, () => ssh.exec(command))
  const plain = await sample(ROUNDS, () => run('ssh', [...sshArgs, command]))
  const how = `${ROUNDS} runs of \`${command}\` each after a warm-up, ${where}; median (min–max)`
  rows.push({ figure: 'check round trip vs one ssh process per command', ours: `${ms(median(ours))} (${spread(ours)})`, alternative: `${ms(median(plain))} (${spread(plain)})`, ratio: `${(median(plain) / median(ours)).toFixed(1)}x`, target: '—', verdict: 'info', how })
  if (vagrantDir === null) {
    rows.push({ figure: 'check round trip vs vagrant ssh -c', ours: ms(median(ours)), alternative: '—', ratio: '—', target: '≥ 30x faster', verdict: 'skipped', how: 'needs the VM: run `npm run bench:vm` (root, Debian 12)' })
    return
  }
  const vagrant = await sample(Math.min(ROUNDS, 10), () => run('vagrant', ['ssh', '-c', command], vagrantDir))
  const ratio = median(vagrant) / median(ours)
  rows.push({ figure: 'check round trip vs vagrant ssh -c', ours: `${ms(median(ours))} (${spread(ours)})`, alternative: `${ms(median(vagrant))} (${spread(vagrant)})`, ratio: `${ratio.toFixed(1)}x`, target: '≥ 30x faster', verdict: ratio >= 30 ? 'met' : 'missed', how: `${how}; vagrant ssh -c ${Math.min(ROUNDS, 10)} runs` })
}

/** The guest sampler's CPU cost at 1 Hz, seen from inside the VM, next to polling with an exec per second. */
async function samplerRow(ssh: SshConnection): Promise<void> {
  const cost = await measureSamplerCost(ssh, 30)
  const ours = Math.max(0, cost.samplerPercent - cost.idlePercent)
  const polling = Math.max(0, cost.pollingPercent - cost.idlePercent)
  rows.push({
    figure: 'guest sampler CPU at 1 Hz',
    ours: `${ours.toFixed(2)} % of one vCPU (the sampler process alone ${cost.samplerProcessPercent.toFixed(2)} %)`,
    alternative: `${polling.toFixed(2)} % (an exec of cat over the same connection each second)`,
    ratio: ours > 0 ? `${(polling / ours).toFixed(1)}x` : '—',
    target: '< 1 % of one vCPU',
    verdict: ours < 1 ? 'met' : 'missed',
    how: `CPU time of the cgroup the app's SSH commands run in (${sessionCgroup}: sampler, sudo, sshd forwarding) over ${cost.seconds} s windows, minus an idle window (${cost.idlePercent.toFixed(2)} %); the sampler process alone from /proc/<pid>/stat; CI VM under QEMU emulation`,
  })
}

/** SQLite: one check result (step progress) plus one timeline event per operation, WAL vs rollback journal. */
function sqliteRow(): void {
  const data = tempDir('chaos-lab-bench-db-')
  try {
    const measure = (journal: 'wal' | 'delete'): number[] => {
      const db = openDatabase(join(data.path, `${journal}.sqlite`))
      db.pragma(`journal_mode = ${journal}`)
      if (journal === 'delete') db.pragma('synchronous = FULL')
      const progress = new ProgressRepository(db)
      const journalRepo = new JournalRepository(db)
      const times: number[] = []
      for (let i = 0; i < 2000; i++) {
        const started = performance.now()
        journalRepo.failedCheck('bench-lab', `step-${i % 7}`)
        progress.recordEvent('bench-lab', 'check-failed', { stepId: `step-${i % 7}`, message: 'Expected 200, observed 502' })
        times.push(performance.now() - started)
      }
      db.close()
      return times.sort((a, b) => a - b)
    }
    const wal = measure('wal')
    const rollback = measure('delete')
    rows.push({ figure: 'SQLite: a check result + a timeline event', ours: `${ms(median(wal))} (WAL)`, alternative: `${ms(median(rollback))} (rollback journal, synchronous=FULL)`, ratio: `${(median(rollback) / median(wal)).toFixed(1)}x`, target: '—', verdict: 'info', how: '2000 operations each, median' })
  } finally {
    data.cleanup()
  }
}

async function main(): Promise<void> {
  const started = Date.now()
  sqliteRow()

  const inVmJob = process.env.CHAOS_LAB_BOX === 'ci' && process.env.VAGRANT_DOTFILE_PATH
  if (inVmJob) {
    const state = tempDir('chaos-lab-bench-vm-')
    const environment = { vagrantDir: join(REPO_ROOT, 'vagrant'), dotfilePath: process.env.VAGRANT_DOTFILE_PATH! }
    const sandbox = new VagrantSandbox({ environment, stateDir: state.path, settings: () => DEFAULT_SETTINGS })
    try {
      await sandbox.refresh()
      const upStarted = performance.now()
      await sandbox.start()
      const firstUp = performance.now() - upStarted
      const target = parseSshConfig((await runVagrant(environment, ['ssh-config'])).stdout)
      const sshArgs = ['-q', '-i', target.privateKeyPath, '-p', String(target.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', `${target.username}@${target.host}`]
      await roundTrip(sandbox.ssh, sshArgs, environment.vagrantDir, 'against the CI VM (QEMU emulation, no KVM)')
      await samplerRow(sandbox.ssh)
      const resetStarted = performance.now()
      await sandbox.reset()
      const reset = performance.now() - resetStarted
      const ratio = firstUp / reset
      rows.push({ figure: 'lab reset: snapshot restore vs first start (create + provision)', ours: ms(reset), alternative: ms(firstUp), ratio: `${ratio.toFixed(1)}x`, target: '≤ 1/10 of a fresh provision', verdict: ratio >= 10 ? 'met' : 'missed', how: 'one run each; the CI box has every package baked in, so its "fresh provision" is far cheaper than a user\'s first start' })
    } finally {
      await sandbox.destroy().catch(() => undefined)
      sandbox.dispose()
      state.cleanup()
    }
  } else {
    const sshd = await startTestSshd()
    let pin: string | null = null
    const ssh = new SshConnection({ resolveTarget: async () => ({ host: '127.0.0.1', port: sshd.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath }), hostKeyPin: { load: () => pin, save: (f) => (pin = f) } })
    try {
      await ssh.open()
      const sshArgs = ['-q', '-i', sshd.privateKeyPath, '-p', String(sshd.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', `${sshd.username}@127.0.0.1`]
      await roundTrip(ssh, sshArgs, null, 'against a local OpenSSH server on 127.0.0.1 (no VM up)')
    } finally {
      ssh.close()
      await sshd.cleanup()
    }
    rows.push({ figure: 'lab reset: snapshot restore vs fresh provision', ours: '—', alternative: '—', ratio: '—', target: '≤ 1/10 of a fresh provision', verdict: 'skipped', how: 'needs the VM: run `npm run bench:vm`' })
    rows.push({ figure: 'guest sampler CPU at 1 Hz', ours: '—', alternative: '—', ratio: '—', target: '< 1 % of one vCPU', verdict: 'skipped', how: 'needs the VM: run `npm run bench:vm`' })
  }

  // The renderer's rows, in Chromium: chart update, app start, terminal flood.
  await browserRows(rows)

  const headers = ['figure', 'ours', 'alternative', 'ratio', 'target', 'verdict'] as const
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  console.log(line([...headers]))
  console.log(line(widths.map((w) => '-'.repeat(w))))
  for (const row of rows) console.log(line(headers.map((h) => String(row[h]))))
  console.log('\nHow each row was measured:')
  for (const row of rows) console.log(`  ${row.figure}: ${row.how}`)
  const out = join(REPO_ROOT, 'artifacts', `bench-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`)
  mkdirSync(join(REPO_ROOT, 'artifacts'), { recursive: true })
  writeFileSync(out, JSON.stringify({ at: new Date(started).toISOString(), rows }, null, 2))
  console.log(`\nWritten to ${out}`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
