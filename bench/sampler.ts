// The guest sampler's CPU cost in the VM, measured from inside the guest: the CPU time of the
// cgroup our SSH connection's commands run in (the login session's scope, or ssh.service where
// sessions are not registered with systemd: the sampler, sudo, and sshd forwarding its output)
// over a window, minus the same window with nothing running, as a share of one vCPU. Next to it, what a
// simpler design costs: a new exec over the same connection every second, reading the same
// /proc files (`cat`), which is what polling without a long-lived sampler looks like.
import { MetricsService } from '../electron/core/metrics/service'
import type { SshConnection } from '../electron/core/sandbox/sshConnection'

export interface SamplerCost {
  idlePercent: number
  samplerPercent: number
  samplerProcessPercent: number
  pollingPercent: number
  seconds: number
}

const PROC_FILES = '/proc/stat /proc/meminfo /proc/loadavg /proc/net/dev /proc/diskstats /proc/pressure/cpu /proc/pressure/memory /proc/pressure/io'

async function sessionCpuUsec(ssh: SshConnection): Promise<number> {
  const out = (await ssh.exec("cg=$(sed -n 's/^0:://p' /proc/self/cgroup); echo \"$cg\"; awk '$1 == \"usage_usec\" { print $2 }' \"/sys/fs/cgroup$cg/cpu.stat\"")).stdout.trim().split('\n')
  const usec = Number(out[1])
  if (!out[1] || !Number.isFinite(usec)) throw new Error(`no CPU figure for the session's cgroup ${out[0] ?? '?'} in the VM (got ${JSON.stringify(out)})`)
  sessionCgroup = out[0] ?? '?'
  return usec
}

/** The cgroup the measurement read, for the row's note. */
export let sessionCgroup = '?'

/** CPU seconds of the sampler process (and its threads) so far, from /proc/<pid>/stat. */
async function samplerProcessSeconds(ssh: SshConnection): Promise<number> {
  const out = await ssh.exec("pid=$(pgrep -of 'chaos-lab-agent sample') && awk '{ print ($14 + $15) / '$(getconf CLK_TCK)' }' /proc/$pid/stat")
  return Number(out.stdout.trim())
}

async function window(ssh: SshConnection, seconds: number, during: () => Promise<void> = async () => undefined): Promise<number> {
  const before = await sessionCpuUsec(ssh)
  const started = Date.now()
  await during()
  const rest = seconds * 1000 - (Date.now() - started)
  if (rest > 0) await new Promise((r) => setTimeout(r, rest))
  const elapsed = (Date.now() - started) / 1000
  const after = await sessionCpuUsec(ssh)
  return ((after - before) / 1e6 / elapsed) * 100
}

export async function measureSamplerCost(ssh: SshConnection, seconds = 30): Promise<SamplerCost> {
  const idlePercent = await window(ssh, seconds)

  const metrics = new MetricsService(ssh)
  let samplerPercent: number
  let samplerProcessPercent: number
  try {
    metrics.configure(null, 1000)
    metrics.start()
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the sampler did not start: ${JSON.stringify(metrics.status)}`)), 30_000)
      const off = metrics.onSample(() => (clearTimeout(timer), off(), resolve()))
    })
    const processBefore = await samplerProcessSeconds(ssh)
    const started = Date.now()
    samplerPercent = await window(ssh, seconds)
    samplerProcessPercent = (((await samplerProcessSeconds(ssh)) - processBefore) / ((Date.now() - started) / 1000)) * 100
  } finally {
    metrics.dispose()
  }

  const pollingPercent = await window(ssh, seconds, async () => {
    const end = Date.now() + seconds * 1000
    for (let tick = Date.now(); tick < end; tick += 1000) {
      await ssh.exec(`cat ${PROC_FILES} > /dev/null`)
      const wait = tick + 1000 - Date.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    }
  })
  return { idlePercent, samplerPercent, samplerProcessPercent, pollingPercent, seconds }
}
