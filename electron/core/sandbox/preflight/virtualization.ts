import { access, readFile } from 'node:fs/promises'
import type { PreflightCheck, VmProvider } from '../../api'
import { probe } from './shared'

const TITLE = 'Hardware virtualization'
const FIRMWARE_FIX =
  'Enable VT-x/AMD-V in the firmware settings (BIOS/UEFI, often called "Intel Virtualization Technology" or "SVM Mode") and restart the computer. If this computer is itself a virtual machine, enable nested virtualization for it on its host instead.'

/** The vmx (Intel VT-x) / svm (AMD-V) CPU flags, as the kernel lists them in /proc/cpuinfo. */
export function virtualizationFlags(cpuinfo: string): string[] {
  const found = new Set<string>()
  for (const match of cpuinfo.matchAll(/^flags\s*:(.*)$/gm)) {
    for (const flag of match[1]!.trim().split(/\s+/)) if (flag === 'vmx' || flag === 'svm') found.add(flag)
  }
  return [...found].sort()
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

async function checkLinux(provider: VmProvider): Promise<PreflightCheck> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8')
  const flags = virtualizationFlags(cpuinfo)
  const kvm = await exists('/dev/kvm')
  const cpu = flags.length > 0 ? `The CPU supports ${flags.includes('vmx') ? 'VT-x (vmx)' : 'AMD-V (svm)'}` : ''
  if (kvm) {
    return { id: 'virtualization', title: TITLE, status: 'ok', detail: `${cpu ? `${cpu}; ` : ''}KVM available (/dev/kvm)`, fix: '' }
  }
  if (flags.length > 0) {
    // VirtualBox brings its own driver, but libvirt's default domain type needs /dev/kvm.
    if (provider === 'libvirt' || provider === 'auto') {
      const module = flags.includes('vmx') ? 'kvm_intel' : 'kvm_amd'
      return {
        id: 'virtualization',
        title: TITLE,
        status: 'warn',
        detail: `${cpu}, but /dev/kvm is missing: libvirt cannot use it`,
        fix: `Load the KVM module (sudo modprobe ${module}); if that fails with "Operation not supported", enable VT-x/AMD-V in the firmware settings and restart.`,
      }
    }
    return { id: 'virtualization', title: TITLE, status: 'ok', detail: cpu, fix: '' }
  }
  // ARM CPUs have no such flags; there only /dev/kvm tells.
  const missing = process.arch === 'x64' || process.arch === 'ia32' ? 'No vmx or svm flag in /proc/cpuinfo and no /dev/kvm' : 'No /dev/kvm'
  return {
    id: 'virtualization',
    title: TITLE,
    status: 'warn',
    detail: `${missing}: the VM would run under full emulation, very slowly (or not start at all)`,
    fix: FIRMWARE_FIX,
  }
}

async function checkMac(): Promise<PreflightCheck> {
  // Absolute path: an app started from the Finder may not have /usr/sbin on PATH.
  const result = await probe('/usr/sbin/sysctl', ['-n', 'kern.hv_support'])
  if (result.stdout.trim() === '1') return { id: 'virtualization', title: TITLE, status: 'ok', detail: 'Hypervisor framework available', fix: '' }
  return {
    id: 'virtualization',
    title: TITLE,
    status: 'warn',
    detail: result.found ? `kern.hv_support is ${result.stdout.trim() || 'not set'}: this Mac offers no hardware virtualization` : 'Could not run sysctl to check',
    fix: 'If this Mac is itself a virtual machine, enable nested virtualization on its host; otherwise this Mac cannot run the VM at a usable speed.',
  }
}

export async function checkVirtualization(provider: VmProvider): Promise<PreflightCheck> {
  switch (process.platform) {
    case 'linux':
      return checkLinux(provider)
    case 'darwin':
      return checkMac()
    case 'win32':
      return {
        id: 'virtualization',
        title: TITLE,
        status: 'warn',
        detail: 'Not checked on Windows',
        fix: 'Open Task Manager → Performance → CPU: it should show "Virtualization: Enabled". If it shows Disabled, enable VT-x/AMD-V in the firmware settings (BIOS/UEFI) and restart.',
      }
    default:
      return { id: 'virtualization', title: TITLE, status: 'warn', detail: `Not checked on ${process.platform}`, fix: FIRMWARE_FIX }
  }
}
