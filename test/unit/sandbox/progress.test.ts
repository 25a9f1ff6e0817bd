import { describe, expect, it } from 'vitest'
import { parseMachineReadable } from '../../../electron/core/sandbox/machineReadable'
import { UpProgress, type Phase } from '../../../electron/core/sandbox/progress'

/** `vagrant up` as vagrant-libvirt 0.11.2 printed it in our CI job, as machine-readable ui records. */
const LIBVIRT_UP = [
  'Uploading base box image as volume into Libvirt storage...',
  'Progress: 12%', // the image upload into the storage pool, not a download
  'Creating image (snapshot of base box volume).',
  'Starting domain.',
  'Waiting for domain to get an IP address...',
  'Waiting for machine to boot. This may take a few minutes...',
  'Machine booted and ready!',
  'Setting hostname...',
  'Running provisioner: package-list (file)...',
  'Running provisioner: baseline (shell)...',
  '[provision 1/5] reading package list',
  '[provision 2/5] all 80 packages already installed',
  '[provision 5/5] recording the provisioned state',
]
  .map((text, i) => `17953219${String(i).padStart(2, '0')},default,ui,info,${text.replaceAll(',', '%!(VAGRANT_COMMA)')}`)
  .join('\n')

function phasesOf(text: string): Phase[] {
  const progress = new UpProgress()
  return parseMachineReadable(text).flatMap((record) => progress.next(record) ?? [])
}

describe('UpProgress', () => {
  it('follows a real libvirt `vagrant up` through its phases, never moving backwards', () => {
    const phases = phasesOf(LIBVIRT_UP)
    expect(phases.map((p) => p.phase)).toEqual([
      'Creating the VM',
      'Creating the VM (12%)',
      'Booting',
      'Waiting for SSH',
      'Configuring',
      'Provisioning',
      'Provisioning 1/5: reading package list',
      'Provisioning 2/5: all 80 packages already installed',
      'Provisioning 5/5: recording the provisioned state',
    ])
    const fractions = phases.map((p) => p.progress!)
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b))
    expect(fractions.at(-1)).toBeLessThan(1)
  })

  it('maps a box download percentage into the first 40 %', () => {
    const progress = new UpProgress()
    const [record] = parseMachineReadable('1795321900,default,ui,info,Progress: 50% (Rate: 10M/s%!(VAGRANT_COMMA) Estimated time remaining: 0:01:00)')
    expect(progress.next(record!)).toEqual({ phase: 'Downloading the box (50%)', progress: 0.22 })
  })

  it('ignores records that are not ui text', () => {
    const [record] = parseMachineReadable('1795321900,default,metadata,provider,libvirt')
    expect(new UpProgress().next(record!)).toBeNull()
  })
})
