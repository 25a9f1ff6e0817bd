// The VM pre-flight report: before the first `vagrant up`, check the host and say what to
// fix, instead of letting the learner read a provider's stack trace ten minutes into a start.
import type { PreflightCheck, PreflightReport, VmProvider } from '../../api'
import type { VagrantEnvironment } from '../vagrantCli'
import { checkDisk, DEFAULT_MIN_FREE_DISK_BYTES } from './disk'
import { checkMemory } from './memory'
import { checkPorts } from './ports'
import { checkProviders } from './providers'
import { errorMessage } from './shared'
import { checkVagrant } from './vagrant'
import { checkVirtualization } from './virtualization'

export { DEFAULT_MIN_FREE_DISK_BYTES }
export { checkDisk, checkMemory, checkPorts, checkProviders, checkVagrant, checkVirtualization }

export interface PreflightOptions {
  vagrant: VagrantEnvironment
  /** Where the VM's disk-hungry state lives; free space is checked here. */
  dataDir: string
  provider: VmProvider
  /** The VM's RAM setting. */
  memoryMb: number
  /** Host ports the VM will bind on 127.0.0.1. */
  forwardedPorts: number[]
  /** Default 8 GiB. */
  minFreeDiskBytes?: number
}

// Every check bounds its own commands; this only keeps an unforeseen hang (a stale network
// mount under dataDir, say) from holding the whole report.
const CHECK_TIMEOUT_MS = 60_000

/** Run one check so that it always yields a PreflightCheck: a broken check is a warning, not a broken report. */
async function guarded(id: string, title: string, run: () => Promise<PreflightCheck>): Promise<PreflightCheck> {
  const failed = (detail: string): PreflightCheck => ({
    id,
    title,
    status: 'warn',
    detail,
    fix: 'Run the checks again; if this keeps happening, report it together with this message.',
  })
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<PreflightCheck>((resolve) => {
    timer = setTimeout(() => resolve(failed(`The check itself did not finish within ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS)
  })
  try {
    // The extra then() turns a synchronous throw into a rejection we catch below.
    return await Promise.race([Promise.resolve().then(run), timeout])
  } catch (error) {
    return failed(`The check itself failed: ${errorMessage(error)}`)
  } finally {
    clearTimeout(timer)
  }
}

export async function runPreflight(options: PreflightOptions): Promise<PreflightReport> {
  const checks = await Promise.all([
    guarded('vagrant', 'Vagrant', () => checkVagrant(options.vagrant)),
    guarded('providers', 'VM provider', () => checkProviders(options.vagrant, options.provider)),
    guarded('virtualization', 'Hardware virtualization', () => checkVirtualization(options.provider)),
    guarded('memory', 'Memory', () => checkMemory(options.memoryMb)),
    guarded('disk', 'Disk space', () => checkDisk(options.dataDir, options.minFreeDiskBytes ?? DEFAULT_MIN_FREE_DISK_BYTES)),
    guarded('ports', 'Forwarded ports', () => checkPorts(options.forwardedPorts)),
  ])
  return { checks, ready: !checks.some((check) => check.status === 'fail'), at: Date.now() }
}
