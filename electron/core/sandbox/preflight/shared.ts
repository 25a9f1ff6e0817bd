// Helpers shared by the pre-flight checks.
import { execFile } from 'node:child_process'

export interface ProbeResult {
  /** False when the executable could not be started at all (not installed, not executable). */
  found: boolean
  code: number | null
  stdout: string
  stderr: string
}

/**
 * Run a tool only to learn whether it is installed and what it prints. Any exit code counts
 * as found: several tools (vmrun without arguments) print their usage and exit non-zero.
 */
export function probe(executable: string, args: string[], timeoutMs = 5_000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    execFile(executable, args, { timeout: timeoutMs, windowsHide: true, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      // A string code (ENOENT, EACCES) means the process never started; a killed process
      // (timeout) did start, so the tool exists even if it hung.
      const spawnFailed = !!error && typeof (error as NodeJS.ErrnoException).code === 'string'
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({ found: !spawnFailed, code, stdout: String(stdout), stderr: String(stderr) })
    })
  })
}

/** The first candidate that starts; lets a check look beyond PATH for tools whose installers skip it. */
export async function probeFirst(candidates: string[], args: string[], timeoutMs?: number): Promise<ProbeResult & { executable: string | null }> {
  let last: ProbeResult = { found: false, code: null, stdout: '', stderr: '' }
  for (const executable of candidates) {
    last = await probe(executable, args, timeoutMs)
    if (last.found) return { ...last, executable }
  }
  return { ...last, executable: null }
}

const GIB = 1024 ** 3

/** Binary gigabytes with one decimal, labelled "GB" as the operating systems' own tools do. */
export function formatGb(bytes: number): string {
  return `${(bytes / GIB).toFixed(1)} GB`
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
