// Turns what Vagrant prints during `up` into a phase name and an overall fraction for the
// progress bar. Each provider words its steps differently, so phases are matched on the
// messages of VirtualBox, libvirt, VMware and Parallels alike; provisioning reports
// "[provision N/M]" lines of its own (vagrant/provision/provision.sh).
import type { VagrantRecord } from './machineReadable'

export interface Phase {
  phase: string
  /** 0..1, or null when not known. */
  progress: number | null
}

/** Where each phase of `vagrant up` starts, as a fraction of the whole. */
const UP_PHASES: { match: RegExp; phase: string; at: number }[] = [
  { match: /could not be found\. Attempting to find and install|Adding box|Downloading: /i, phase: 'Downloading the box', at: 0.02 },
  { match: /Successfully added box|Importing base box|Uploading base box image|Creating image \(snapshot of base box volume\)|Cloning VMware VM|Registering VM image/i, phase: 'Creating the VM', at: 0.45 },
  { match: /Booting VM|Starting domain|Starting the VMware VM|Resuming suspended VM|Resuming domain/i, phase: 'Booting', at: 0.5 },
  { match: /Waiting for (?:machine to boot|domain to get an IP address|SSH to become available|the VM to receive an address)/i, phase: 'Waiting for SSH', at: 0.55 },
  { match: /Machine booted and ready|Setting hostname/i, phase: 'Configuring', at: 0.65 },
  { match: /Running provisioner/i, phase: 'Provisioning', at: 0.7 },
]
const BOX_DOWNLOAD_SHARE = 0.4
const CREATING_AT = 0.45
const BOOTING_AT = 0.5
const PROVISION_FROM = 0.7
const PROVISION_TO = 0.95

/** Follows `vagrant up` output; `next(record)` returns a new phase when something changed. */
export class UpProgress {
  private current: Phase = { phase: 'Preparing', progress: 0 }

  get phase(): Phase {
    return this.current
  }

  next(record: VagrantRecord): Phase | null {
    if (record.type !== 'ui') return null
    const text = record.data.slice(1).join(',')
    const download = /Progress: (\d+(?:\.\d+)?)%/.exec(text)
    if (download) {
      const percent = Number(download[1])
      // The same "Progress:" line reports the box download, and later (libvirt) the upload of
      // the box image into the storage pool while the VM is created.
      if ((this.current.progress ?? 0) >= CREATING_AT) {
        return this.set({ phase: `Creating the VM (${Math.floor(percent)}%)`, progress: CREATING_AT + ((BOOTING_AT - CREATING_AT) * percent) / 100 })
      }
      return this.set({ phase: `Downloading the box (${Math.floor(percent)}%)`, progress: 0.02 + (BOX_DOWNLOAD_SHARE * percent) / 100 })
    }
    const provisionStep = /\[provision (\d+)\/(\d+)\] (.+)/.exec(text)
    if (provisionStep) {
      const [n, m] = [Number(provisionStep[1]), Number(provisionStep[2])]
      const share = m > 0 ? Math.min(1, (n - 1) / m) : 0
      return this.set({ phase: `Provisioning ${n}/${m}: ${provisionStep[3]!.trim()}`, progress: PROVISION_FROM + (PROVISION_TO - PROVISION_FROM) * share })
    }
    for (const step of UP_PHASES) {
      // Never move backwards: a provider may repeat "Waiting for SSH" after provisioning.
      if (step.match.test(text) && (this.current.progress ?? 0) <= step.at) return this.set({ phase: step.phase, progress: step.at })
    }
    return null
  }

  private set(phase: Phase): Phase | null {
    if (phase.phase === this.current.phase && phase.progress === this.current.progress) return null
    this.current = phase
    return phase
  }
}
