import { statfs } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { PreflightCheck } from '../../api'
import { formatGb } from './shared'

const TITLE = 'Disk space'
export const DEFAULT_MIN_FREE_DISK_BYTES = 8 * 1024 ** 3

/**
 * Free space for the folder, measured on its nearest existing parent: before the first start
 * the data folder may not exist yet, but it will live on the same file system as its parent.
 */
async function freeBytes(folder: string): Promise<{ measured: string; free: number }> {
  let current = resolve(folder)
  for (;;) {
    try {
      const stats = await statfs(current)
      // bavail, not bfree: blocks reserved for root are no use to the learner's VM.
      return { measured: current, free: stats.bavail * stats.bsize }
    } catch (error) {
      const parent = dirname(current)
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || parent === current) throw error
      current = parent
    }
  }
}

export async function checkDisk(dataDir: string, minFreeDiskBytes = DEFAULT_MIN_FREE_DISK_BYTES): Promise<PreflightCheck> {
  const { measured, free } = await freeBytes(dataDir)
  const where = measured === resolve(dataDir) ? measured : `${measured} (where ${dataDir} will be created)`
  if (free >= minFreeDiskBytes) {
    return { id: 'disk', title: TITLE, status: 'ok', detail: `${formatGb(free)} free in ${where}`, fix: '' }
  }
  return {
    id: 'disk',
    title: TITLE,
    status: 'fail',
    detail: `${formatGb(free)} free in ${where}; the VM needs ${formatGb(minFreeDiskBytes)}`,
    fix: `Free at least ${formatGb(minFreeDiskBytes - free)} on the drive that holds ${dataDir} (the VM's disk and snapshots live there), then run the checks again.`,
  }
}
