import { describe, expect, it } from 'vitest'
import { parseMachineReadable, toVmState } from '../../../electron/core/sandbox/machineReadable'

// Recorded from `vagrant status --machine-readable` (vagrant 2.3.4, vagrant-libvirt 0.11.2).
const RUNNING = `1795321946,default,metadata,provider,libvirt
1795321946,default,provider-name,libvirt
1795321946,default,state,running
1795321946,default,state-human-short,running
1795321946,default,state-human-long,The Libvirt domain is running. To stop this machine%!(VAGRANT_COMMA) you can run\\n\`vagrant halt\`.
`

describe('parseMachineReadable', () => {
  it('splits records and unescapes commas and newlines in data', () => {
    const records = parseMachineReadable(RUNNING)
    expect(records.find((r) => r.type === 'state')).toEqual({ timestamp: 1795321946, target: 'default', type: 'state', data: ['running'] })
    expect(records.at(-1)!.data[0]).toBe('The Libvirt domain is running. To stop this machine, you can run\n`vagrant halt`.')
  })

  it('skips lines that are not records (warnings printed by plugins)', () => {
    expect(parseMachineReadable('Vagrant is upgrading...\n\n1,,ui,info,ok\n')).toHaveLength(1)
  })
})

describe('toVmState', () => {
  it.each([
    ['running', 'running'],
    ['not_created', 'not-created'],
    ['shutoff', 'stopped'],
    ['poweroff', 'stopped'],
    ['paused', 'suspended'],
    ['saved', 'suspended'],
    ['something_new', 'unknown'],
  ])('%s -> %s', (provider, ours) => {
    expect(toVmState(provider)).toBe(ours)
  })
})
