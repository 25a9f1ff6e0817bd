import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { classifyVagrantFailure, MAX_DETAIL_LINES, type FailureKind } from '../../../electron/core/sandbox/failures'

// Real outputs captured on vagrant 2.3.4 + vagrant-libvirt 0.11.2 under a PTY; the first line
// of each file says how it was produced. The file name starts with the expected kind.
const FIXTURES = join(__dirname, '../../fixtures/vagrant-output')
const KINDS: FailureKind[] = [
  'no-provider',
  'provider-not-usable',
  'box-download',
  'box-not-found',
  'virtualization-disabled',
  'ssh-timeout',
  'boot-timeout',
  'port-collision',
  'disk-full',
  'locked',
  'network',
  'provision-failed',
  'permission',
  'vagrantfile',
  'unknown',
]

function fixture(name: string): string {
  const text = readFileSync(join(FIXTURES, name), 'utf8')
  expect(text.startsWith('# '), `${name} must start with a comment saying how it was produced`).toBe(true)
  return text.slice(text.indexOf('\n') + 1)
}

function expectedKind(file: string): FailureKind {
  const base = file.replace(/\.txt$/, '')
  const kind = KINDS.filter((k) => base === k || base.startsWith(`${k}-`)).sort((a, b) => b.length - a.length)[0]
  if (!kind) throw new Error(`fixture ${file} does not start with a failure kind`)
  return kind
}

/** A machine-readable record as Vagrant prints it (commas and newlines escaped). */
function record(target: string, type: string, ...data: string[]): string {
  const escaped = data.map((d) => d.replaceAll(',', '%!(VAGRANT_COMMA)').replaceAll('\n', '\\n'))
  return [1796141000, target, type, ...escaped].join(',')
}

/** How Vagrant ends a handled failure: the message as a ui error, then the error-exit record. */
function failure(errorClass: string, message: string): string {
  return `${record('', 'ui', 'error', message)}\r\n${record('', 'error-exit', errorClass, message)}\r\n`
}

const ANSI_OR_CR = /\u001b|\r/

function expectUsable(result: ReturnType<typeof classifyVagrantFailure>) {
  expect(result.error.code).toBe('vm')
  expect(result.error.message.length).toBeGreaterThan(10)
  expect(result.error.fix.length).toBeGreaterThan(10)
  expect(result.error.details.length).toBeLessThanOrEqual(MAX_DETAIL_LINES)
  for (const line of result.error.details) {
    expect(line).not.toMatch(ANSI_OR_CR)
    expect(line).not.toMatch(/Progress: \d+%/)
    expect(line).not.toBe('')
  }
}

describe('classifyVagrantFailure on captured outputs', () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).sort()

  it('has a fixture for the kinds reproducible on a machine without VirtualBox or KVM', () => {
    const kinds = new Set(files.map(expectedKind))
    for (const kind of ['no-provider', 'provider-not-usable', 'box-download', 'box-not-found', 'disk-full', 'locked', 'permission', 'vagrantfile', 'unknown'] as const) {
      expect(kinds).toContain(kind)
    }
  })

  it.each(files)('%s', (file) => {
    const result = classifyVagrantFailure(fixture(file), 'start the VM')
    expect(result.kind).toBe(expectedKind(file))
    expectUsable(result)
    expect(result.error.message).toMatch(/^Could not start the VM: /)
    expect(result.error.details.length).toBeGreaterThan(0)
  })

  it('quotes the cause in plain words and keeps the last lines as details', () => {
    const catalog = classifyVagrantFailure(fixture('box-download-catalog.txt'), 'start the VM')
    expect(catalog.error.message).toBe("Could not start the VM: Vagrant could not download the VM's box (chaos-test/none).")
    expect(catalog.error.fix).toMatch(/internet connection/)
    expect(catalog.error.details.at(-1)).toBe("Error: Failed to connect to 127.0.0.1 port 9 after 11 ms: Couldn't connect to server")

    const libvirt = classifyVagrantFailure(fixture('provider-not-usable-libvirt.txt'), 'start the VM')
    expect(libvirt.error.fix).toMatch(/libvirt service.*or choose another provider in Settings/)
    expect(libvirt.error.details.at(-1)).toMatch(/Call to virConnectOpen failed: Failed to connect socket to '.*': No such file or directory$/)

    const virtualbox = classifyVagrantFailure(fixture('provider-not-usable-virtualbox.txt'), 'start the VM')
    expect(virtualbox.error.message).toMatch(/VirtualBox is not installed/)
    expect(virtualbox.error.fix).toMatch(/Install VirtualBox.*Settings/)

    const socket = classifyVagrantFailure(fixture('permission-libvirt-socket.txt'), 'start the VM')
    expect(socket.error.fix).toMatch(/libvirt group/)

    const setting = classifyVagrantFailure(fixture('vagrantfile-chaos-setting.txt'), 'start the VM')
    expect(setting.error.message).toBe('Could not start the VM: a VM setting is invalid (CHAOS_LAB_CPUS must be a whole number from 1 to 64, got "lots").')

    const syntax = classifyVagrantFailure(fixture('vagrantfile-syntax.txt'), 'start the VM')
    expect(syntax.error.message).toMatch(/Vagrantfile \S*\/Vagrantfile\.$/)
  })

  it('reads what a terminal shows: colours, \\r redraws and Progress lines are gone', () => {
    const plain = fixture('disk-full-plain.txt')
    expect(plain).toMatch(/\u001b\[/)
    expect(plain).toMatch(/Progress: 0%/)
    const result = classifyVagrantFailure(plain, 'start the VM')
    expect(result.kind).toBe('disk-full')
    // The error started on the same physical line as the Progress redraw.
    expect(result.error.details).toContain('The box failed to unpackage properly. Please verify that the box')
    expect(result.error.details.at(-1)).toBe('bsdtar: Error exit delayed from previous errors.')
    // Same failure with --machine-readable: same lines.
    expect(classifyVagrantFailure(fixture('disk-full.txt'), 'start the VM').error.details).toEqual(result.error.details)
  })

  it('shows a Ruby crash without its backtrace', () => {
    const result = classifyVagrantFailure(fixture('unknown-ruby-crash.txt'), 'restore the snapshot')
    expect(result.kind).toBe('unknown')
    expect(result.error.message).toBe("Could not restore the snapshot: Vagrant crashed (NoMethodError: undefined method `include?' for nil:NilClass).")
    expect(result.error.details.some((l) => l.startsWith('from '))).toBe(false)
    expect(result.error.details[0]).toMatch(/restore\.rb:51:in `block in execute': undefined method/)
  })

  it('prints the error message once although Vagrant sends it as a ui error and as error-exit', () => {
    const result = classifyVagrantFailure(fixture('locked.txt'), 'start the VM')
    expect(result.error.details.filter((l) => l.startsWith("An action 'up' was attempted"))).toHaveLength(1)
  })
})

// Failures this machine cannot produce (no VirtualBox, no KVM, no running VM), built from the
// exact texts Vagrant, its plugins and the hypervisors print; the source is named on each.
describe('classifyVagrantFailure on quoted texts', () => {
  it('VirtualBox without VT-x (vboxmanage_error in en.yml; stderr from hashicorp/vagrant#10056)', () => {
    const output =
      `${record('default', 'ui', 'info', '==> default: Booting VM...')}\n` +
      failure(
        'Vagrant::Errors::VBoxManageError',
        'There was an error while executing `VBoxManage`, a CLI used by Vagrant\nfor controlling VirtualBox. The command and stderr is shown below.\n\n' +
          'Command: ["startvm", "214ed993-99a0-4085-9066-1f0485ba134b", "--type", "headless"]\n\n' +
          'Stderr: VBoxManage: error: VT-x is not available (VERR_VMX_NO_VMX)\n' +
          'VBoxManage: error: Details: code NS_ERROR_FAILURE (0x80004005), component ConsoleWrap, interface IConsole',
      )
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('virtualization-disabled')
    expect(result.error.fix).toMatch(/VT-x\/AMD-V.*BIOS\/UEFI/)
    expectUsable(result)
  })

  it.each([
    ['VBoxManage: error: AMD-V is disabled in the BIOS (or by the host OS) (VERR_SVM_DISABLED)'], // kubernetes/minikube#7074
    ['VBoxManage: error: AMD-V is not available (VERR_SVM_NO_SVM)'], // jedi4ever/veewee#1109
    ['VBoxManage: error: VT-x is disabled in the BIOS for all CPU modes (VERR_VMX_MSR_ALL_VMX_DISABLED)'], // openebs/openebs#1301
  ])('VirtualBox: %s', (stderr) => {
    const output = failure('Vagrant::Errors::VBoxManageError', `There was an error while executing \`VBoxManage\`, a CLI used by Vagrant\nfor controlling VirtualBox. The command and stderr is shown below.\n\nStderr: ${stderr}`)
    expect(classifyVagrantFailure(output, 'start the VM').kind).toBe('virtualization-disabled')
  })

  it('Hyper-V holding VT-x on Windows (hashicorp/vagrant#12484)', () => {
    const output = failure(
      'Vagrant::Errors::VBoxManageError',
      'Stderr: VBoxManage.exe: error: Not in a hypervisor partition (HVP=0) (VERR_NEM_NOT_AVAILABLE).\nVBoxManage.exe: error: VT-x is not available (VERR_VMX_NO_VMX)',
    )
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('virtualization-disabled')
    expect(result.error.fix).toMatch(/Hyper-V/)
  })

  it('libvirt without KVM (vagrant-libvirt create_server_error; text from vagrant-libvirt/vagrant-libvirt#1208)', () => {
    const output = failure(
      'VagrantPlugins::ProviderLibvirt::Errors::FogCreateServerError',
      'Error while creating domain: Error saving the server: Call to virDomainDefineXML failed: invalid argument: could not find capabilities for domaintype=kvm',
    )
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('virtualization-disabled')
    expect(result.error.fix).toMatch(/kvm_intel or kvm_amd/)
  })

  it("QEMU's KVM messages (domain_start_error wrapping QEMU's stderr as quoted in spdk/spdk#2280)", () => {
    const missing = failure(
      'VagrantPlugins::ProviderLibvirt::Errors::DomainStartError',
      'Failed to start domain: Call to virDomainCreateWithFlags failed: internal error: process exited while connecting to monitor: Could not access KVM kernel module: No such file or directory\nqemu-system-x86_64: failed to initialize kvm: No such file or directory',
    )
    expect(classifyVagrantFailure(missing, 'start the VM').kind).toBe('virtualization-disabled')
    const denied = missing.replaceAll('No such file or directory', 'Permission denied')
    const result = classifyVagrantFailure(denied, 'start the VM')
    expect(result.kind).toBe('permission')
    expect(result.error.fix).toMatch(/kvm group/)
  })

  it('boot timeout (boot_timeout in en.yml; retry lines from forumone/web-starter#40)', () => {
    const output =
      [
        '==> default: Waiting for machine to boot. This may take a few minutes...',
        '    default: SSH address: 127.0.0.1:2222',
        '    default: Warning: Connection timeout. Retrying...',
      ]
        .map((l) => record('default', 'ui', 'info', l))
        .join('\n') +
      '\n' +
      failure(
        'Vagrant::Errors::VMBootTimeout',
        'Timed out while waiting for the machine to boot. This means that\nVagrant was unable to communicate with the guest machine within\nthe configured ("config.vm.boot_timeout" value) time period.\n\nIf you look above, you should be able to see the error(s) that\nVagrant had when attempting to connect to the machine. These errors\nare usually good hints as to what may be wrong.',
      )
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('boot-timeout')
    expect(result.error.details).toContain('default: Warning: Connection timeout. Retrying...')
    expectUsable(result)
  })

  it('SSH timeout (ssh_connection_timeout in en.yml)', () => {
    const output = failure(
      'Vagrant::Errors::SSHConnectionTimeout',
      'Vagrant timed out while attempting to connect via SSH. This usually\nmeans that the VM booted, but there are issues with the SSH configuration\nor network connectivity issues. Please try to `vagrant reload` or\n`vagrant up` again.',
    )
    expect(classifyVagrantFailure(output, 'start the VM').kind).toBe('ssh-timeout')
    // Same text without a record (plain output).
    expect(classifyVagrantFailure('Vagrant timed out while attempting to connect via SSH. This usually\nmeans that the VM booted', 'start the VM').kind).toBe('ssh-timeout')
  })

  it('forwarded port collision names the port (vm.forward_ports collision_error in en.yml)', () => {
    const message =
      "Vagrant cannot forward the specified ports on this VM, since they\nwould collide with some other application that is already listening\non these ports. The forwarded port to 8080 is already in use\non the host machine.\n\nTo fix this, modify your current project's Vagrantfile to use another\nport. Example, where '1234' would be replaced by a unique host port:\n\n  config.vm.network :forwarded_port, guest: 8080, host: 1234"
    for (const output of [failure('Vagrant::Errors::ForwardPortCollision', message), message]) {
      const result = classifyVagrantFailure(output, 'start the VM')
      expect(result.kind).toBe('port-collision')
      expect(result.error.message).toMatch(/port 8080/)
      expect(result.error.fix).toMatch(/port 8080/)
    }
  })

  it('machine lock, plain output (machine_locked in en.yml)', () => {
    const output =
      "Vagrant can't use the requested machine because it is locked! This\nmeans that another Vagrant process is currently reading or modifying\nthe machine. Please wait for that Vagrant process to end and try\nagain. Details about the machine are shown below:\n\nName: default\nProvider: libvirt\n"
    const result = classifyVagrantFailure(output, 'stop the VM')
    expect(result.kind).toBe('locked')
    expect(result.error.message).toMatch(/^Could not stop the VM: /)
    expect(result.error.fix).toMatch(/Wait/)
  })

  it('provisioning failure keeps the provisioner lines, not the boilerplate (ssh_bad_exit_status_muted in en.yml)', () => {
    const guest = [
      '==> default: Running provisioner: baseline (shell)...',
      '    default: Running: /tmp/vagrant-shell20261201-4242-1x2y3z.sh',
      '    default: Permission denied while reading /root/.cache', // guest output, not a host permission problem
      '    default: E: Unable to locate package stress-ng',
    ]
    const output =
      guest.map((l) => record('default', 'ui', l.startsWith('==>') ? 'info' : 'detail', l)).join('\n') +
      '\n' +
      failure(
        'Vagrant::Errors::VagrantError',
        'The SSH command responded with a non-zero exit status. Vagrant\nassumes that this means the command failed. The output for this command\nshould be in the log above. Please read the output to determine what\nwent wrong.',
      )
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('provision-failed')
    expect(result.error.details).toEqual(guest.map((l) => l.trim()))
    expectUsable(result)
  })

  it('network failures (curl texts quoted in carlosperate/microbit-dev-env#3)', () => {
    const download =
      '    default: Progress: 0% (Rate: 0curl:/s, Estimated time remaining: --:--:--)\nAn error occurred while downloading the remote file. The error\nmessage, if any, is reproduced below. Please fix this error and try\nagain.\n\nCould not resolve host: cloud-images.ubuntu.com\n'
    const boxResult = classifyVagrantFailure(download, 'start the VM')
    expect(boxResult.kind).toBe('box-download')
    expect(boxResult.error.fix).toMatch(/internet connection/)
    expect(boxResult.error.details[0]).toBe('An error occurred while downloading the remote file. The error')

    const bare = classifyVagrantFailure('Could not resolve host: vagrantcloud.com\n', 'check for box updates')
    expect(bare.kind).toBe('network')
    expect(bare.error.fix).toMatch(/internet connection/)
  })

  it('a missing box on the catalog is box-not-found (box_add_short_not_found with a 404)', () => {
    const output = failure(
      'Vagrant::Errors::BoxAddShortNotFound',
      "The box 'bento/debian-12' could not be found or\ncould not be accessed in the remote catalog. If this is a private\nbox on HashiCorp's Vagrant Cloud, please verify you're logged in via\n`vagrant login`. Also, please double-check the name. The expanded\nURL and error message are shown below:\n\nURL: [\"https://vagrantcloud.com/bento/debian-12\"]\nError: The requested URL returned error: 404",
    )
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('box-not-found')
    expect(result.error.message).toMatch(/bento\/debian-12/)
  })

  it('disk full from Ruby (Errno::ENOSPC) and host permission problems', () => {
    expect(classifyVagrantFailure('Errno::ENOSPC: No space left on device @ io_write - /home/u/.vagrant.d/tmp/box123', 'start the VM').kind).toBe('disk-full')
    const denied = classifyVagrantFailure('Errno::EACCES: Permission denied @ rb_sysopen - /home/u/.vagrant.d/data/machine-index/index', 'start the VM')
    expect(denied.kind).toBe('permission')
    expect(denied.error.fix).toMatch(/owns/)
  })

  it('configuration errors (config_invalid in en.yml)', () => {
    const output = failure('Vagrant::Errors::ConfigInvalid', 'There are errors in the configuration of this machine. Please fix\nthe following errors and try again:\n\nvm:\n* The box must be set.')
    expect(classifyVagrantFailure(output, 'start the VM').kind).toBe('vagrantfile')
  })
})

describe('classifyVagrantFailure details and fallbacks', () => {
  it('keeps at most the last 15 meaningful lines, without ANSI codes or Progress noise', () => {
    const lines: string[] = []
    for (let i = 1; i <= 40; i++) {
      lines.push(`\u001b[0m    default: step ${i}\u001b[0m\r`)
      lines.push(`\r\u001b[K    default: Progress: ${i * 2}% (Rate: 1M/s, Estimated time remaining: 0:01:00)\r`)
      lines.push('')
    }
    lines.push(record('', 'ui', 'detail', 'Progress: 99% (Rate: 9M/s, Estimated time remaining: --:--:--)'))
    const result = classifyVagrantFailure(lines.join('\n'), 'start the VM')
    expect(result.kind).toBe('unknown')
    expect(result.error.details).toEqual(Array.from({ length: 15 }, (_, i) => `default: step ${26 + i}`))
    expectUsable(result)
  })

  it('unknown output gives a generic message with the lines', () => {
    const output = 'Something odd happened\r\nthe frobnicator is not frobnicating\r\n'
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('unknown')
    expect(result.error.message).toBe('Could not start the VM: Vagrant stopped with an error.')
    expect(result.error.details).toEqual(['Something odd happened', 'the frobnicator is not frobnicating'])
    expectUsable(result)
  })

  it('an unknown error-exit class quotes the first line of its message', () => {
    const output = failure('VagrantPlugins::Something::Errors::Odd', 'The widget broke.\nMore about the widget.')
    const result = classifyVagrantFailure(output, 'take a snapshot')
    expect(result.kind).toBe('unknown')
    expect(result.error.message).toBe('Could not take a snapshot: Vagrant reported an error: The widget broke.')
    expect(result.error.details).toEqual(['The widget broke.', 'More about the widget.'])
  })

  it.each([[''], ['\r\n\r\n'], ['\u001b[0m\r\n']])('an empty output (%j) still returns a usable error', (output) => {
    const result = classifyVagrantFailure(output, 'start the VM')
    expect(result.kind).toBe('unknown')
    expect(result.error.message).toBe('Could not start the VM: Vagrant stopped without printing any output.')
    expect(result.error.details).toEqual([])
    expectUsable(result)
  })

  it('without an action the reason stands alone', () => {
    const result = classifyVagrantFailure(fixture('locked.txt'), '')
    expect(result.error.message).toBe('Another Vagrant command is already working on this VM.')
  })
})
