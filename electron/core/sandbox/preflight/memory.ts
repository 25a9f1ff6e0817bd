import { freemem, totalmem } from 'node:os'
import type { PreflightCheck } from '../../api'
import { formatGb } from './shared'

const TITLE = 'Memory'
const MIB = 1024 * 1024
// What the host needs for itself next to the VM: comfortable, and the bare minimum.
const HOST_COMFORT_MB = 2048
const HOST_MINIMUM_MB = 1024
// The smallest VM size Settings accepts.
const VM_MINIMUM_MB = 1024

/** The largest VM size (a multiple of 256 MB) that leaves the host its comfortable share. */
function suggestedMb(totalBytes: number): number {
  return Math.floor((totalBytes / MIB - HOST_COMFORT_MB) / 256) * 256
}

export async function checkMemory(memoryMb: number): Promise<PreflightCheck> {
  const total = totalmem()
  const free = freemem()
  const vm = memoryMb * MIB
  const detail = `${formatGb(total)} total, ${formatGb(free)} free; the VM takes ${formatGb(vm)}`
  const suggestion = suggestedMb(total)
  const roomForLess = suggestion >= VM_MINIMUM_MB
  const lower = roomForLess
    ? `Lower the VM's memory in Settings to ${suggestion} MB or less`
    : `Set the VM's memory in Settings to the minimum, ${VM_MINIMUM_MB} MB`

  if (total < vm + HOST_MINIMUM_MB * MIB) {
    const fix =
      memoryMb <= VM_MINIMUM_MB || total < (VM_MINIMUM_MB + HOST_MINIMUM_MB) * MIB
        ? `This computer has too little memory for the VM: it needs at least ${formatGb((VM_MINIMUM_MB + HOST_MINIMUM_MB) * MIB)} in total. Use a computer with more memory.`
        : `${lower}: the host needs about ${formatGb(HOST_COMFORT_MB * MIB)} for itself.`
    return { id: 'memory', title: TITLE, status: 'fail', detail, fix }
  }
  if (total < vm + HOST_COMFORT_MB * MIB) {
    const fix = roomForLess ? `${lower}, or expect the computer to slow down while the VM runs.` : 'Close other programs before starting the VM, or expect the computer to slow down while the VM runs.'
    return { id: 'memory', title: TITLE, status: 'warn', detail: `${detail}, leaving the host less than ${formatGb(HOST_COMFORT_MB * MIB)}`, fix }
  }
  // freemem() is a snapshot (and on macOS it leaves out reclaimable cache), so this only warns.
  if (free < vm) {
    return { id: 'memory', title: TITLE, status: 'warn', detail, fix: `Close other programs to free ${formatGb(vm - free)} before starting the VM, or lower the VM's memory in Settings.` }
  }
  return { id: 'memory', title: TITLE, status: 'ok', detail, fix: '' }
}
