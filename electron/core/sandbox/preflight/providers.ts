import { join } from 'node:path'
import type { PreflightCheck, VmProvider } from '../../api'
import { runVagrant, type VagrantEnvironment } from '../vagrantCli'
import { probeFirst } from './shared'

const TITLE = 'VM provider'
type ProviderId = Exclude<VmProvider, 'auto'>

interface ProviderState {
  id: ProviderId
  name: string
  usable: boolean
  /** What was found, e.g. "vagrant-libvirt 0.11.2", "7.0.14r161095" or "virsh found"; empty when nothing. */
  found: string
  /** The absent parts, phrased for a sentence ("the vagrant-libvirt plugin", "virsh"). */
  missing: string[]
  pluginMissing: boolean
  toolMissing: boolean
  /** VirtualBox only: VBoxManage runs but its kernel driver is not loaded. */
  driverMissing: boolean
}

const NAMES: Record<ProviderId, string> = { virtualbox: 'VirtualBox', libvirt: 'libvirt', vmware_desktop: 'VMware', parallels: 'Parallels' }
const VIRTUALBOX_DOWNLOAD = 'https://www.virtualbox.org/wiki/Downloads'
const VMWARE_UTILITY = 'https://developer.hashicorp.com/vagrant/install/vmware'

// Installers on Windows and macOS often leave these tools off PATH (and an app started from
// the Finder has a minimal PATH), while Vagrant itself finds them in their usual places.
function candidates(tool: 'VBoxManage' | 'virsh' | 'vmrun' | 'prlctl'): string[] {
  const list: string[] = [tool]
  if (process.platform === 'win32') {
    if (tool === 'VBoxManage') {
      for (const dir of [process.env.VBOX_MSI_INSTALL_PATH, process.env.VBOX_INSTALL_PATH]) if (dir) list.push(join(dir, 'VBoxManage.exe'))
      list.push('C:\\Program Files\\Oracle\\VirtualBox\\VBoxManage.exe')
    }
    if (tool === 'vmrun') list.push('C:\\Program Files (x86)\\VMware\\VMware Workstation\\vmrun.exe', 'C:\\Program Files\\VMware\\VMware Workstation\\vmrun.exe')
  } else if (process.platform === 'darwin') {
    if (tool === 'VBoxManage') list.push('/usr/local/bin/VBoxManage', '/Applications/VirtualBox.app/Contents/MacOS/VBoxManage')
    if (tool === 'vmrun') list.push('/Applications/VMware Fusion.app/Contents/Library/vmrun')
    if (tool === 'prlctl') list.push('/usr/local/bin/prlctl', '/Applications/Parallels Desktop.app/Contents/MacOS/prlctl')
  }
  return list
}

/** Plugin name → version, from `vagrant plugin list` lines like "vagrant-libvirt (0.11.2, system)". */
export function parsePluginList(text: string): Map<string, string> {
  const plugins = new Map<string, string>()
  for (const match of text.matchAll(/^([\w.-]+) \(([^,)\s]+)/gm)) plugins.set(match[1]!, match[2]!)
  return plugins
}

function describeUsable(state: ProviderState): string {
  return state.id === 'virtualbox' ? `VirtualBox ${state.found}`.trim() : `${state.name} (${state.found})`
}

function sentenceList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Providers that exist for one host system only; installing them elsewhere is no fix. */
function unavailableHere(id: ProviderId): string | null {
  if (id === 'libvirt' && process.platform !== 'linux') return 'libvirt works on Linux only'
  if (id === 'parallels' && process.platform !== 'darwin') return 'Parallels Desktop works on macOS only'
  return null
}

/** How to install the missing parts of one provider (no trailing period). */
function installFix(state: ProviderState): string {
  const steps: string[] = []
  switch (state.id) {
    case 'virtualbox':
      if (state.driverMissing) return 'Load the VirtualBox kernel module (sudo modprobe vboxdrv); if that fails, reinstall VirtualBox so it builds the module for the running kernel'
      return `Install VirtualBox from ${VIRTUALBOX_DOWNLOAD}`
    case 'libvirt':
      if (state.toolMissing) {
        steps.push('install libvirt (Debian/Ubuntu: sudo apt install libvirt-daemon-system libvirt-clients; Fedora: sudo dnf install @virtualization), add yourself to the libvirt group (sudo usermod -aG libvirt $USER) and log in again')
      }
      if (state.pluginMissing) steps.push('install the plugin (Debian/Ubuntu: sudo apt install vagrant-libvirt; elsewhere: vagrant plugin install vagrant-libvirt)')
      break
    case 'vmware_desktop':
      if (state.toolMissing) steps.push(process.platform === 'darwin' ? 'install VMware Fusion' : 'install VMware Workstation')
      if (state.pluginMissing) steps.push(`install the Vagrant VMware Utility from ${VMWARE_UTILITY} and the plugin: vagrant plugin install vagrant-vmware-desktop`)
      break
    case 'parallels':
      // The Standard edition ships without prlctl, which the plugin drives.
      if (state.toolMissing) steps.push('install Parallels Desktop Pro or Business edition')
      if (state.pluginMissing) steps.push('install the plugin: vagrant plugin install vagrant-parallels')
      break
  }
  return capitalize(steps.join(', then '))
}

/** What to suggest when nothing at all is installed: the provider that works best on this platform. */
function recommendedFix(): string {
  switch (process.platform) {
    case 'linux':
      return `Install libvirt and the vagrant-libvirt plugin (Debian/Ubuntu: sudo apt install libvirt-daemon-system vagrant-libvirt), add yourself to the libvirt group (sudo usermod -aG libvirt $USER) and log in again. VirtualBox from ${VIRTUALBOX_DOWNLOAD} works too`
    case 'darwin':
      return process.arch === 'arm64'
        ? `Install VMware Fusion with the Vagrant VMware Utility (${VMWARE_UTILITY}) and vagrant plugin install vagrant-vmware-desktop, or Parallels Desktop Pro with vagrant plugin install vagrant-parallels`
        : `Install VirtualBox from ${VIRTUALBOX_DOWNLOAD}`
    default:
      return `Install VirtualBox from ${VIRTUALBOX_DOWNLOAD}`
  }
}

export async function checkProviders(environment: VagrantEnvironment, selected: VmProvider): Promise<PreflightCheck> {
  const [pluginList, vbox, virsh, vmrun, prlctl] = await Promise.all([
    runVagrant(environment, ['plugin', 'list'], 30_000),
    // VBoxManage may start its service on the first call, which takes a few seconds on Windows.
    probeFirst(candidates('VBoxManage'), ['--version'], 10_000),
    probeFirst(candidates('virsh'), ['--version']),
    // vmrun has no version flag; without arguments it prints its usage (and exits non-zero).
    probeFirst(candidates('vmrun'), []),
    probeFirst(candidates('prlctl'), ['--version']),
  ])
  const pluginsListed = !pluginList.spawnError && pluginList.code === 0
  const plugins = parsePluginList(pluginList.stdout)

  const states: ProviderState[] = []
  {
    const version = /^\s*(\d+\.\d+\S*)\s*$/m.exec(vbox.stdout)?.[1] ?? ''
    // On Linux VBoxManage still prints its version when the kernel module is missing, but no VM can start.
    const driverMissing = vbox.found && /vboxdrv|kernel module is not loaded/i.test(`${vbox.stdout}\n${vbox.stderr}`)
    states.push({
      id: 'virtualbox',
      name: NAMES.virtualbox,
      usable: vbox.found && !driverMissing,
      found: vbox.found ? version || 'VBoxManage found' : '',
      missing: !vbox.found ? ['VBoxManage'] : driverMissing ? ['its kernel module (vboxdrv)'] : [],
      pluginMissing: false,
      toolMissing: !vbox.found,
      driverMissing,
    })
  }
  for (const [id, plugin, tool, probed] of [
    ['libvirt', 'vagrant-libvirt', 'virsh', virsh],
    ['vmware_desktop', 'vagrant-vmware-desktop', 'vmrun', vmrun],
    ['parallels', 'vagrant-parallels', 'prlctl', prlctl],
  ] as const) {
    const version = plugins.get(plugin)
    const pluginMissing = version === undefined
    const missing = [...(pluginMissing ? [`the ${plugin} plugin`] : []), ...(probed.found ? [] : [tool])]
    const found = !pluginMissing ? `${plugin} ${version}` : probed.found ? `${tool} found` : ''
    states.push({ id, name: NAMES[id], usable: missing.length === 0, found, missing, pluginMissing, toolMissing: !probed.found, driverMissing: false })
  }

  const usable = states.filter((s) => s.usable)
  // Without a plugin list, a plugin-based provider with its tool present is unknown rather than incomplete.
  const partial = states.filter((s) => !s.usable && s.found && (pluginsListed || s.id === 'virtualbox'))
  const notes: string[] = []
  if (partial.length > 0) notes.push(`incomplete: ${partial.map((s) => `${s.name} (${s.found}; ${sentenceList(s.missing)} missing)`).join(', ')}`)
  if (!pluginsListed) {
    const reason = pluginList.spawnError ? (pluginList.spawnError.code ?? pluginList.spawnError.message) : (pluginList.stderr.trim().split('\n').at(-1) ?? `exit code ${pluginList.code}`)
    notes.push(`Vagrant plugins could not be listed (${reason})`)
  }
  const usableText = usable.map(describeUsable).join(', ')
  // A broken plugin set (typically after a Vagrant upgrade) hides installed providers.
  const repair = !pluginsListed && !pluginList.spawnError ? ' If Vagrant reports a plugin error, run "vagrant plugin repair" (or "vagrant plugin expunge --reinstall").' : ''

  if (selected !== 'auto') {
    const state = states.find((s) => s.id === selected)!
    if (state.usable) {
      return { id: 'providers', title: TITLE, status: 'ok', detail: [`${usableText}; using ${state.name} as set in Settings`, ...notes].join('; '), fix: '' }
    }
    const others = usable.length > 0 ? ` (${sentenceList(usable.map((s) => s.name))} ${usable.length > 1 ? 'are' : 'is'} ready)` : ''
    const impossible = unavailableHere(state.id)
    const why = !pluginsListed && state.pluginMissing && !state.toolMissing ? 'its plugin could not be confirmed' : `${sentenceList(state.missing)} ${state.missing.length > 1 ? 'are' : 'is'} missing`
    return {
      id: 'providers',
      title: TITLE,
      status: 'fail',
      detail: [`${state.name} is selected in Settings but ${why}`, `usable: ${usableText || 'none'}`, ...notes].join('; '),
      fix: impossible
        ? `${impossible}: pick another provider in Settings${others}.`
        : `${installFix(state)}, or pick another provider in Settings${others}.${repair}`,
    }
  }
  if (usable.length > 0) return { id: 'providers', title: TITLE, status: 'ok', detail: [usableText, ...notes].join('; '), fix: '' }
  const fixable = partial.filter((s) => !unavailableHere(s.id))
  const fix = fixable.length > 0 ? fixable.map((s) => `${installFix(s)}.`).join(' Or: ') : `${recommendedFix()}.`
  return { id: 'providers', title: TITLE, status: 'fail', detail: ['No usable provider found', ...notes].join('; '), fix: `${fix} Then run the checks again.${repair}` }
}
