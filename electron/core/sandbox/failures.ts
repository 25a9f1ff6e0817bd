// Why did a Vagrant command fail, and what should the learner do about it?
//
// `vagrant up/halt/destroy/snapshot` run with --machine-readable through a PTY, so their output
// mixes records (`timestamp,target,type,data...`) with plain lines (Ruby crashes, plugin
// warnings, a Vagrantfile that fails before Vagrant's UI exists), colour codes and \r
// redraws. On a handled failure Vagrant prints an `error-exit` record whose data[0] is the
// error class and data[1] its message; the class is the most reliable signal, the message
// (or, without a record, the end of the log) is matched next. The wording matched below is
// Vagrant 2.3's templates/locales/en.yml and vagrant-libvirt 0.11's locales/en.yml, plus the
// texts VirtualBox, libvirt, QEMU and curl put inside those messages; real captures live in
// test/fixtures/vagrant-output/.
import type { ErrorInfo } from '../errors'
import { parseMachineReadable } from './machineReadable'

export type FailureKind =
  | 'no-provider'
  | 'provider-not-usable'
  | 'box-download'
  | 'box-not-found'
  | 'virtualization-disabled'
  | 'ssh-timeout'
  | 'boot-timeout'
  | 'port-collision'
  | 'disk-full'
  | 'locked'
  | 'network'
  | 'provision-failed'
  | 'permission'
  | 'vagrantfile'
  | 'unknown'

export interface ClassifiedFailure {
  kind: FailureKind
  error: ErrorInfo
}

/** How many log lines `details` keeps (the tail of the output). */
export const MAX_DETAIL_LINES = 15
const MAX_LINE_LENGTH = 400
/** Without an error-exit record, only the end of the log is matched (Vagrant's longest messages are ~25 lines). */
const CLASSIFY_TAIL_LINES = 40

// ---------------------------------------------------------------------------------------------
// Reading the output

// CSI (colours, erase line), OSC (window titles) and the remaining two-byte escapes.
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g
/** "Progress: 42% (Rate: 3M/s, ...)" from box downloads and image uploads, with or without "default: ". */
const PROGRESS = /^(?:==> )?(?:[\w.-]+: *)?Progress: \d+(?:\.\d+)?%/
/** A Ruby backtrace frame ("from /usr/lib/.../machine.rb:203:in `action'"). */
const BACKTRACE = /^from \S+:\d+:in /
/** The caret line Ruby 3 prints under the failing expression. */
const CARETS = /^\^+$/
/** First line of an unhandled Ruby exception: "file.rb:51:in `execute': message (NoMethodError)". */
const RUBY_EXCEPTION = /:\d+:in `[^']*': (.+) \(([A-Z]\w*(?:::\w+)*)\)$/

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

/** What a terminal would show for one physical line: \r moves back to column 0, so the last non-empty redraw wins. */
function visibleText(physicalLine: string): string {
  const segments = physicalLine.split('\r').map((s) => stripAnsi(s).replace(CONTROL, ''))
  for (let i = segments.length - 1; i >= 0; i--) {
    if (segments[i]!.trim() !== '') return segments[i]!
  }
  return ''
}

function isNoise(line: string): boolean {
  return line === '' || PROGRESS.test(line) || BACKTRACE.test(line) || CARETS.test(line)
}

function clip(line: string): string {
  return line.length > MAX_LINE_LENGTH ? `${line.slice(0, MAX_LINE_LENGTH - 1)}…` : line
}

interface ParsedOutput {
  /** Every meaningful line a person would read, in order. */
  lines: string[]
  /** From the last `error-exit` record, when there is one. */
  errorClass: string | null
  errorMessage: string | null
}

function parseOutput(output: string): ParsedOutput {
  const lines: string[] = []
  const shownErrors = new Set<string>()
  let errorClass: string | null = null
  let errorMessage: string | null = null

  const push = (text: string) => {
    for (const raw of text.split('\n')) {
      const line = stripAnsi(raw).replace(CONTROL, '').trim()
      if (!isNoise(line)) lines.push(clip(line))
    }
  }

  for (const physical of output.split('\n')) {
    const line = visibleText(physical)
    if (line.trim() === '') continue
    const [record] = parseMachineReadable(line)
    if (!record) {
      push(line)
      continue
    }
    if (record.type === 'ui') {
      // data[0] is the level (info, output, detail, warn, error), the rest is the text.
      const text = record.data.slice(1).join(',')
      if (record.data[0] === 'error') shownErrors.add(flatten(text))
      push(text)
    } else if (record.type === 'error-exit') {
      errorClass = record.data[0] ?? null
      errorMessage = record.data.slice(1).join(',')
      // Vagrant prints the message as a `ui,error` record first; show it once.
      if (!shownErrors.has(flatten(errorMessage))) push(errorMessage)
    }
    // metadata, action, box-name, state... are bookkeeping, not log lines.
  }
  return { lines, errorClass, errorMessage }
}

/** Vagrant wraps its messages at ~70 columns: match on one line with single spaces. */
function flatten(text: string): string {
  return stripAnsi(text).replace(/\s+/g, ' ').trim()
}

/** "Vagrant::Errors::ProviderNotUsable" -> "ProviderNotUsable". */
function shortClass(errorClass: string | null): string | null {
  if (!errorClass) return null
  return errorClass.split('::').pop() || null
}

// ---------------------------------------------------------------------------------------------
// Recognising the cause

// Vagrant en.yml ssh_bad_exit_status / ssh_bad_exit_status_muted: a command in the guest
// (the provisioner's script) exited non-zero. Checked first: its message may quote guest
// output that mentions disks or permissions of the guest, not of this computer.
const PROVISION_FAILED = [/The (?:following )?SSH command responded with a non-zero exit status/]

const DISK_FULL = [
  /No space left on device/i, // errno text (bsdtar, qemu-img, Ruby Errno::ENOSPC)
  /\bENOSPC\b/,
  /There is not enough space on the disk/i, // Windows
  /VERR_DISK_FULL/, // VirtualBox
]

// /dev/kvm exists but this user may not open it.
const KVM_PERMISSION = [/Could not access KVM kernel module: Permission denied/i, /failed to initialize KVM: Permission denied/i, /\/dev\/kvm\b.*Permission denied/i]
// libvirt's socket exists but this user may not connect (not in the libvirt group).
const LIBVIRT_PERMISSION = [
  /Failed to connect socket to '[^']+': Permission denied/,
  /authentication unavailable: no polkit agent available/,
  /libvirt-sock\S*:? Permission denied/,
]

const VIRTUALIZATION = [
  /VERR_VMX_NO_VMX/, // "VT-x is not available (VERR_VMX_NO_VMX)"
  /VERR_VMX_MSR_\w*(?:DISABLED|LOCKED)\w*/, // "VT-x is disabled in the BIOS for all CPU modes"
  /VERR_SVM_NO_SVM/, // "AMD-V is not available"
  /VERR_SVM_DISABLED/, // "AMD-V is disabled in the BIOS (or by the host OS)"
  /VERR_NEM_NOT_AVAILABLE/, // Hyper-V owns the virtualization extensions (Windows)
  /VERR_SVM_IN_USE|VERR_VMX_IN_VMX_ROOT_MODE/, // KVM (or another hypervisor) holds them (Linux)
  /VT-x is (?:not available|disabled)/i,
  /AMD-V is (?:not available|disabled)/i,
  /could not find capabilities for domaintype=kvm/, // libvirt without a usable /dev/kvm
  /Could not access KVM kernel module: No such file or directory/i, // QEMU
  /failed to initialize KVM: No such file or directory/i,
  /Domain requires KVM, but it is not available/,
]

const LOCKED = [
  /Vagrant can't use the requested machine because it is locked/, // machine_locked
  /An action '[^']+' was attempted on the machine '[^']+', but another process is already executing an action on the machine/, // machine_action_locked
  /Vagrant attempted to acquire a lock named '[^']+', but this lock is being held by another instance of Vagrant/, // environment_locked
]

const CHAOS_LAB_SETTING = /Chaos Lab VM settings: (.+)/ // vagrant/Vagrantfile ChaosLabSettingError
const VAGRANTFILE = [
  CHAOS_LAB_SETTING,
  /There is a syntax error in the following Vagrantfile/, // vagrantfile_syntax_error
  /There was an error loading a Vagrantfile/, // vagrantfile_load_error, vagrantfile_name_error
  /There are errors in the configuration of this machine/, // config_validation
]

const NO_PROVIDER = [
  /No usable default provider could be found for your system/, // no_default_provider
  /The provider '[^']+' could not be found, but was requested to back the machine/, // provider_not_found(_suggestion)
]

const LIBVIRT_UNREACHABLE = [
  /Call to virConnectOpen failed/,
  /Failed to connect socket to '[^']+'/,
  /Error while connecting to Libvirt/, // vagrant-libvirt fog_libvirt_connection_error
]
const PROVIDER_NOT_USABLE = [
  /is reporting that it isn't usable on this system/, // provider_not_usable
  /Vagrant could not detect VirtualBox/, // virtualbox_not_detected
  /VirtualBox is complaining that the (?:kernel module is not loaded|installation is incomplete)/,
  /that is not supported by this version of Vagrant/, // virtualbox_invalid_version
  /There was an error running VBoxManage/, // vboxmanage_launch_error
  ...LIBVIRT_UNREACHABLE,
]

const PORT_COLLISION = /The forwarded port to (\d+) is already in use/ // forward_ports collision_error

const BOOT_TIMEOUT = [/Timed out while waiting for the machine to boot/] // boot_timeout

const SSH_TIMEOUT = [
  /Vagrant timed out while attempting to connect via SSH/, // ssh_connection_timeout
  /SSH connection was refused/,
  /SSH connection was (?:reset|aborted)/,
  /The SSH connection was unexpectedly closed by the remote end/,
  /SSH authentication failed/,
  /is reporting that it is not yet ready for SSH/, // ssh_not_ready
]

const HTTP_NOT_FOUND = /The requested URL returned error: 404|HTTP\/[\d.]+ 404/
const BOX_NOT_FOUND = [
  /doesn't support the provider you requested/, // box_add_no_matching_provider
  /has no available version that matches the constraints you requested/, // box_add_no_matching_version
  /isn't installed for the provider/, // box_not_found_with_provider
  HTTP_NOT_FOUND,
]
const BOX_DOWNLOAD = [
  /could not be found or could not be accessed in the remote catalog/, // box_add_short_not_found
  /There was an error while downloading the metadata for this box/, // box_metadata_download_error
  /An error occurred while downloading the remote file/, // downloader_error
  /The box failed to unpackage properly/, // untar_failure
  /The checksum of the downloaded box did not match/i,
]

const NETWORK = [
  /Could not resolve host/i, // curl 6
  /Couldn't resolve host/i,
  /Failed to connect to \S+ port \d+/, // curl 7
  /Couldn't connect to server/,
  /(?:Connection|Operation|Resolving) timed out after/, // curl 28
  /SSL certificate problem/,
  /Received HTTP code \d+ from proxy/,
  /Temporary failure in name resolution/,
  /getaddrinfo/,
]

const PERMISSION = [/Permission denied(?! \(publickey)/i, /\bEACCES\b/, /Operation not permitted/i]

/** Error classes whose meaning does not depend on the message (matched by the last `::` segment). */
const CLASS_KINDS: Record<string, FailureKind> = {
  NoDefaultProvider: 'no-provider',
  ProviderNotFound: 'no-provider',
  ProviderNotFoundSuggestion: 'no-provider',
  ProviderNotUsable: 'provider-not-usable',
  VirtualBoxNotDetected: 'provider-not-usable',
  VirtualBoxKernelModuleNotLoaded: 'provider-not-usable',
  VirtualBoxInstallIncomplete: 'provider-not-usable',
  VirtualBoxInvalidVersion: 'provider-not-usable',
  VBoxManageLaunchError: 'provider-not-usable',
  VBoxManageNotFoundError: 'provider-not-usable',
  FogLibvirtConnectionError: 'provider-not-usable', // vagrant-libvirt: daemon not reachable
  BoxAddShortNotFound: 'box-download', // "could not be found or could not be accessed": usually a network problem
  BoxMetadataDownloadError: 'box-download',
  BoxAddDownloadError: 'box-download',
  DownloaderError: 'box-download',
  BoxUnpackageFailure: 'box-download',
  BoxChecksumMismatch: 'box-download',
  BoxMetadataCorrupted: 'box-download',
  BoxAddNoMatchingProvider: 'box-not-found',
  BoxAddNoMatchingVersion: 'box-not-found',
  BoxAddNoMatchingArchitecture: 'box-not-found',
  BoxNotFound: 'box-not-found',
  BoxNotFoundWithProvider: 'box-not-found',
  BoxNotFoundWithProviderAndVersion: 'box-not-found',
  VMBootTimeout: 'boot-timeout',
  SSHConnectionTimeout: 'ssh-timeout',
  SSHConnectionRefused: 'ssh-timeout',
  SSHConnectionReset: 'ssh-timeout',
  SSHConnectionAborted: 'ssh-timeout',
  SSHDisconnected: 'ssh-timeout',
  SSHAuthenticationFailed: 'ssh-timeout',
  SSHNotReady: 'ssh-timeout',
  ForwardPortCollision: 'port-collision',
  MachineLocked: 'locked',
  MachineActionLockedError: 'locked',
  EnvironmentLockedError: 'locked',
  VagrantfileSyntaxError: 'vagrantfile',
  VagrantfileLoadError: 'vagrantfile',
  VagrantfileNameError: 'vagrantfile',
  ConfigInvalid: 'vagrantfile',
  ChaosLabSettingError: 'vagrantfile',
  HomeDirectoryNotAccessible: 'permission',
}

const any = (patterns: RegExp[], text: string) => patterns.some((p) => p.test(text))

function classify(errorClass: string | null, text: string): FailureKind {
  // Causes that explain whatever Vagrant was doing when it hit them.
  if (any(PROVISION_FAILED, text)) return 'provision-failed'
  if (any(DISK_FULL, text)) return 'disk-full'
  if (any(KVM_PERMISSION, text) || any(LIBVIRT_PERMISSION, text)) return 'permission'
  if (any(VIRTUALIZATION, text)) return 'virtualization-disabled'

  const byClass = CLASS_KINDS[shortClass(errorClass) ?? '']
  if (byClass === 'box-download' && HTTP_NOT_FOUND.test(text)) return 'box-not-found'
  if (byClass) return byClass

  // No record, or a class we do not know (plugins, Vagrant::Errors::VagrantError).
  if (any(VAGRANTFILE, text)) return 'vagrantfile'
  if (any(LOCKED, text)) return 'locked'
  if (any(NO_PROVIDER, text)) return 'no-provider'
  if (any(PROVIDER_NOT_USABLE, text)) return 'provider-not-usable'
  if (PORT_COLLISION.test(text)) return 'port-collision'
  if (any(BOOT_TIMEOUT, text)) return 'boot-timeout'
  if (any(SSH_TIMEOUT, text)) return 'ssh-timeout'
  if (any(BOX_NOT_FOUND, text)) return 'box-not-found'
  if (any(BOX_DOWNLOAD, text)) return 'box-download'
  if (any(NETWORK, text)) return 'network'
  if (any(PERMISSION, text)) return 'permission'
  return 'unknown'
}

// ---------------------------------------------------------------------------------------------
// Saying it in plain words

const PROVIDER_NAMES: Record<string, string> = {
  virtualbox: 'VirtualBox',
  libvirt: 'libvirt',
  vmware_desktop: 'VMware',
  vmware_workstation: 'VMware',
  vmware_fusion: 'VMware',
  parallels: 'Parallels',
  hyperv: 'Hyper-V',
  docker: 'Docker',
}

const CHECK_CONNECTION = 'Check the internet connection (and the proxy settings, if you use a proxy), then try again.'

interface Explanation {
  /** What happened, completing "Could not <action>: ...". */
  reason: string
  fix: string
}

/** raw: the error text with its line breaks (to quote one line); text: the same flattened. */
function explain(kind: FailureKind, errorClass: string | null, raw: string, text: string): Explanation {
  switch (kind) {
    case 'no-provider':
      return {
        reason: 'no virtualization software that Vagrant can use is installed (a "provider" such as VirtualBox or libvirt).',
        fix: 'Install VirtualBox (or, on Linux, libvirt with the vagrant-libvirt plugin), then try again, or choose an installed provider in Settings.',
      }
    case 'provider-not-usable': {
      if (any(LIBVIRT_UNREACHABLE, text) || /ProviderLibvirt/.test(errorClass ?? '')) {
        return {
          reason: 'Vagrant could not connect to libvirt, so the libvirt service is probably not running.',
          fix: 'Start the libvirt service (for example "sudo systemctl start libvirtd"), or choose another provider in Settings.',
        }
      }
      if (/Vagrant could not detect VirtualBox/.test(text)) {
        return {
          reason: 'VirtualBox is not installed (Vagrant cannot find its VBoxManage program).',
          fix: 'Install VirtualBox (VBoxManage must be on the PATH), or choose another provider in Settings.',
        }
      }
      const id = /The provider '([^']+)' that was requested/.exec(text)?.[1] ?? (/VirtualBox|VBoxManage/.test(text) ? 'virtualbox' : '')
      const name = PROVIDER_NAMES[id] ?? (id || 'the selected provider')
      return {
        reason: `${name} cannot be used on this computer right now.`,
        fix: `Install or repair ${name} (the reason is in the details below), or choose another provider in Settings.`,
      }
    }
    case 'box-download': {
      const box = boxName(raw)
      const reason = `Vagrant could not download the VM's box${box ? ` (${box})` : ''}.`
      if (any(NETWORK, text) || /remote catalog/.test(text)) return { reason, fix: CHECK_CONNECTION }
      return {
        reason,
        fix: 'Try again; if it keeps failing, check the internet connection and that the disk has free space, since a download that broke off leaves a damaged box.',
      }
    }
    case 'box-not-found': {
      const box = boxName(raw)
      return {
        reason: `the VM's box${box ? ` (${box})` : ''} is not available for this provider or version.`,
        fix: 'Choose another provider in Settings, or update Chaos Lab if the box it names is no longer published.',
      }
    }
    case 'virtualization-disabled':
      if (/VERR_SVM_IN_USE|VERR_VMX_IN_VMX_ROOT_MODE/.test(text)) {
        return {
          reason: "another hypervisor (usually KVM) is using the processor's virtualization support, so VirtualBox cannot.",
          fix: 'Close other VM programs; on Linux either unload KVM ("sudo modprobe -r kvm_intel" or "kvm_amd") or choose libvirt as the provider in Settings.',
        }
      }
      if (/VERR_NEM_NOT_AVAILABLE|hypervisor partition/.test(text)) {
        return {
          reason: 'the processor\'s virtualization support is taken by Windows\' Hyper-V, so VirtualBox cannot use it.',
          fix: 'Turn off Hyper-V (and "Virtual Machine Platform") in Windows Features and restart, or enable VT-x/AMD-V in the firmware if it is off.',
        }
      }
      return {
        reason: 'hardware virtualization (Intel VT-x or AMD-V) is turned off or not available on this computer.',
        fix: /kvm/i.test(text)
          ? 'Enable VT-x/AMD-V (also called "SVM" or "Virtualization Technology") in the computer\'s BIOS/UEFI settings, restart, and make sure the kvm_intel or kvm_amd module is loaded.'
          : 'Enable VT-x/AMD-V (also called "SVM" or "Virtualization Technology") in the computer\'s BIOS/UEFI settings, then restart and try again.',
      }
    case 'boot-timeout':
      return {
        reason: 'the VM did not finish booting within the time Vagrant waits.',
        fix: 'Try again: a first boot on a busy or slow computer can take longer. If it keeps happening, close other VMs and heavy programs, and check that VT-x/AMD-V is enabled in the firmware.',
      }
    case 'ssh-timeout':
      return {
        reason: 'the VM started but Vagrant could not log in to it over SSH.',
        fix: 'Stop the VM and start it again. If it keeps happening, reset (destroy) the VM and start a fresh one.',
      }
    case 'port-collision': {
      const port = PORT_COLLISION.exec(text)?.[1]
      return {
        reason: port ? `port ${port} on this computer is already in use, so the VM cannot forward to it.` : 'a port the VM forwards to is already in use on this computer.',
        fix: port
          ? `Stop the program or other VM that uses port ${port} (or remove that port from the VM's forwarded ports), then try again.`
          : 'Stop the program or other VM that uses the port named below (or remove it from the VM\'s forwarded ports), then try again.',
      }
    }
    case 'disk-full':
      return {
        reason: 'the disk Vagrant writes to is full.',
        fix: 'Free up disk space (the VM and its box need several GB in your home folder), then try again.',
      }
    case 'locked':
      return {
        reason: 'another Vagrant command is already working on this VM.',
        fix: 'Wait for the other Vagrant command to finish (or stop that vagrant process), then try again.',
      }
    case 'network':
      return { reason: 'Vagrant could not reach the network.', fix: CHECK_CONNECTION }
    case 'provision-failed':
      return {
        reason: 'setting up the software inside the VM failed.',
        fix: 'Check the internet connection (the VM downloads packages) and start the VM again: the setup picks up where it stopped. The setup\'s last lines are below.',
      }
    case 'permission':
      if (any(KVM_PERMISSION, text)) {
        return {
          reason: 'this user is not allowed to use KVM (/dev/kvm).',
          fix: 'Add your user to the kvm group ("sudo usermod -aG kvm $USER"), log out and back in, then try again.',
        }
      }
      if (any(LIBVIRT_PERMISSION, text) || /libvirt/i.test(text)) {
        return {
          reason: 'this user is not allowed to use libvirt.',
          fix: 'Add your user to the libvirt group ("sudo usermod -aG libvirt $USER"), log out and back in, then try again.',
        }
      }
      return {
        reason: 'Vagrant was denied access to a file or device it needs.',
        fix: 'Make sure your user owns Vagrant\'s folders (~/.vagrant.d and the app\'s data folder) and may use the VM provider, then try again.',
      }
    case 'vagrantfile': {
      const setting = CHAOS_LAB_SETTING.exec(raw)?.[1]?.trim()
      if (setting) {
        return {
          reason: `a VM setting is invalid (${setting.replace(/\.$/, '')}).`,
          fix: 'Correct the VM settings (CPUs, memory, forwarded ports) in Settings, then try again.',
        }
      }
      const file = /(\S*Vagrantfile):\d+:/.exec(text)?.[1]
      return {
        reason: `Vagrant could not read ${file ? `the Vagrantfile ${file}` : 'a Vagrantfile'}.`,
        fix: 'Undo the changes made to that Vagrantfile (or reinstall Chaos Lab if it is the app\'s own), then try again.',
      }
    }
    case 'unknown':
      return { reason: '', fix: '' }
  }
}

function boxName(raw: string): string | null {
  return /\b[Bb]ox '([^']+)'/.exec(raw)?.[1] ?? /^\s*(?:Name|Box): (\S+)/m.exec(raw)?.[1] ?? null
}

function sentence(action: string, reason: string): string {
  const act = action.trim().replace(/[.:]+$/, '')
  if (!act) return reason.charAt(0).toUpperCase() + reason.slice(1)
  return `Could not ${act}: ${reason}`
}

// ssh_bad_exit_status_muted says "the output should be in the log above": the log is the
// details, so these lines would only crowd out the provisioner's own.
const MUTED_PROVISION_MESSAGE = new Set([
  'The SSH command responded with a non-zero exit status. Vagrant',
  'assumes that this means the command failed. The output for this command',
  'should be in the log above. Please read the output to determine what',
  'went wrong.',
])

/**
 * output: the whole combined output of the failed command (machine-readable records and plain
 * lines mixed, may contain ANSI escapes and \r); action: what the user was doing, for the
 * message ("start the VM", "stop the VM", ...). details = the last ~15 meaningful log lines
 * (ANSI stripped, "Progress: N%" noise dropped).
 */
export function classifyVagrantFailure(output: string, action: string): ClassifiedFailure {
  const { lines, errorClass, errorMessage } = parseOutput(output ?? '')
  // Match the error message when Vagrant gave one: the log above it may quote guest output
  // ("Permission denied" from a lab script) that says nothing about this failure. Without
  // one, the message is at the end of the log.
  const text = errorMessage !== null && errorMessage.trim() !== '' ? errorMessage : lines.slice(-CLASSIFY_TAIL_LINES).join('\n')
  const flat = flatten(text)
  const kind = classify(errorClass, flat)

  let detailLines = lines
  if (kind === 'provision-failed') detailLines = lines.filter((l) => !MUTED_PROVISION_MESSAGE.has(l))
  const details = detailLines.slice(-MAX_DETAIL_LINES)

  if (kind === 'unknown') {
    const first = (errorMessage ?? '').split('\n').map((l) => l.trim()).find((l) => l !== '')
    // An exception Vagrant did not handle: "...restore.rb:51:in `execute': undefined method ... (NoMethodError)".
    const crash = lines.map((l) => RUBY_EXCEPTION.exec(l)).find((m) => m !== null)
    const reason =
      first !== undefined
        ? `Vagrant reported an error: ${clip(first).replace(/[.:]$/, '')}.`
        : crash
          ? `Vagrant crashed (${crash[2]}: ${crash[1]!.replace(/[.:]$/, '')}).`
          : lines.length > 0
            ? 'Vagrant stopped with an error.'
            : 'Vagrant stopped without printing any output.'
    return {
      kind,
      error: {
        code: 'vm',
        message: sentence(action, reason),
        fix:
          lines.length > 0
            ? 'Read the log lines below for the cause, then try again. If it keeps failing, report it to the Chaos Lab project with these lines.'
            : "Try again. If it keeps failing, run the same vagrant command in a terminal in the app's vagrant folder to see what Vagrant says, and report it.",
        details,
      },
    }
  }

  const { reason, fix } = explain(kind, errorClass, text, flat)
  return { kind, error: { code: 'vm', message: sentence(action, reason), fix, details } }
}
