// Vagrant's --machine-readable output: one record per line,
//   timestamp,target,type,data[,data...]
// with commas inside data escaped as %!(VAGRANT_COMMA) and newlines as a literal "\n".
import type { VmState } from '../api'

export interface VagrantRecord {
  timestamp: number
  target: string
  type: string
  data: string[]
}

export function parseMachineReadable(text: string): VagrantRecord[] {
  const records: VagrantRecord[] = []
  for (const line of text.split(/\r?\n/)) {
    const fields = line.split(',')
    if (fields.length < 3 || !/^\d+$/.test(fields[0] ?? '')) continue
    const [timestamp, target, type, ...data] = fields as [string, string, string, ...string[]]
    records.push({
      timestamp: Number(timestamp),
      target,
      type,
      data: data.map((d) => d.replaceAll('%!(VAGRANT_COMMA)', ',').replaceAll('\\n', '\n').replaceAll('\\r', '')),
    })
  }
  return records
}

/**
 * Map a provider's state name to ours. Providers name the same thing differently
 * (libvirt: shutoff/paused, VirtualBox: poweroff/saved, VMware: not_running/suspended).
 */
export function toVmState(providerState: string): VmState {
  switch (providerState) {
    case 'running':
      return 'running'
    case 'not_created':
      return 'not-created'
    case 'poweroff':
    case 'shutoff':
    case 'stopped':
    case 'not_running':
    case 'aborted':
    case 'inaccessible':
      return 'stopped'
    case 'saved':
    case 'paused':
    case 'suspended':
    case 'pmsuspended':
      return 'suspended'
    case 'shutting_down':
    case 'stopping':
      return 'stopping'
    default:
      return 'unknown'
  }
}
