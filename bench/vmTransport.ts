// How long one check round trip to the VM costs, three ways, measured side by side in one run
// against the same real VM: the app's persistent ssh2 connection (a channel per command),
// `vagrant ssh -c` (what a naive app would do), and a plain `ssh` process per command.
// Run by `npm run bench` inside the CI VM namespace (test/vm/infra/run.sh).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { DEFAULT_SETTINGS } from '../electron/core/api'
import { runVagrant } from '../electron/core/sandbox/vagrantCli'
import { parseSshConfig, VagrantSandbox } from '../electron/core/sandbox/vagrantSandbox'
import { REPO_ROOT, tempDir } from '../test/helpers/tmp'

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const COMMAND = 'cat /proc/loadavg'

function run(file: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, { cwd, env: process.env }, (err) => (err ? reject(err) : resolve())))
}

async function measure(label: string, once: () => Promise<unknown>): Promise<{ label: string; times: number[] }> {
  await once() // warm-up, not counted
  const times: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now()
    await once()
    times.push(performance.now() - started)
  }
  return { label, times }
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

async function main(): Promise<void> {
  const dotfilePath = process.env.VAGRANT_DOTFILE_PATH
  if (!dotfilePath || process.env.CHAOS_LAB_BOX !== 'ci') throw new Error('run through `npm run bench` (test/vm/infra/run.sh sets up the VM environment)')
  const state = tempDir('chaos-lab-bench-')
  const environment = { vagrantDir: join(REPO_ROOT, 'vagrant'), dotfilePath }
  const sandbox = new VagrantSandbox({ environment, stateDir: state.path, settings: () => DEFAULT_SETTINGS })
  try {
    await sandbox.refresh()
    const booted = performance.now()
    await sandbox.start()
    console.log(`VM started in ${((performance.now() - booted) / 1000).toFixed(0)} s; ${ROUNDS} rounds of \`${COMMAND}\` each\n`)
    const target = parseSshConfig((await runVagrant(environment, ['ssh-config'])).stdout)
    const sshArgs = ['-q', '-i', target.privateKeyPath, '-p', String(target.port), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', `${target.username}@${target.host}`, COMMAND]

    const rows = [
      await measure('persistent ssh2 connection (the app)', () => sandbox.ssh.exec(COMMAND)),
      await measure('plain ssh, one process per command', () => run('ssh', sshArgs)),
      await measure('vagrant ssh -c, one per command', () => run('vagrant', ['ssh', '-c', COMMAND], environment.vagrantDir)),
    ]
    const base = quantile([...rows[0]!.times].sort((a, b) => a - b), 0.5)
    console.log(`${'check round trip'.padEnd(40)} ${'median'.padStart(10)} ${'p95'.padStart(10)} ${'vs app'.padStart(8)}`)
    for (const { label, times } of rows) {
      const sorted = [...times].sort((a, b) => a - b)
      const median = quantile(sorted, 0.5)
      console.log(`${label.padEnd(40)} ${median.toFixed(1).padStart(7)} ms ${quantile(sorted, 0.95).toFixed(1).padStart(7)} ms ${`${(median / base).toFixed(1)}x`.padStart(8)}`)
    }
  } finally {
    await sandbox.destroy().catch(() => undefined)
    sandbox.dispose()
    state.cleanup()
  }
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
