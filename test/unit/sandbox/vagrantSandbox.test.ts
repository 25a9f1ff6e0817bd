// VagrantSandbox with the real vagrant CLI of this machine, on the app's own Vagrantfile, for
// everything that needs no VM: status, failures and their classification, refusals. The VM
// itself is exercised in test/vm.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { DEFAULT_SETTINGS, type Settings } from '../../../electron/core/api'
import { AppError } from '../../../electron/core/errors'
import { runVagrant } from '../../../electron/core/sandbox/vagrantCli'
import { parseSshConfig, VagrantSandbox, VAGRANT_MISSING } from '../../../electron/core/sandbox/vagrantSandbox'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((fn) => fn()))

function sandbox(options: { executable?: string; env?: Record<string, string>; settings?: Partial<Settings> } = {}): VagrantSandbox {
  const dir = tempDir('chaos-lab-sandbox-')
  const home = tempDir('chaos-lab-vagrant-home-')
  const box = new VagrantSandbox({
    environment: {
      vagrantDir: join(REPO_ROOT, 'vagrant'),
      dotfilePath: join(dir.path, '.vagrant'),
      executable: options.executable,
      // Never the network: box lookups go to a closed loopback port.
      env: { VAGRANT_HOME: home.path, VAGRANT_SERVER_URL: 'http://127.0.0.1:9', ...options.env },
    },
    stateDir: join(dir.path, 'vm'),
    settings: () => ({ ...DEFAULT_SETTINGS, ...options.settings }),
  })
  cleanups.push(() => {
    box.dispose()
    dir.cleanup()
    home.cleanup()
  })
  return box
}

describe('VagrantSandbox without a VM', () => {
  it('reports a missing vagrant as an error with the install fix', async () => {
    const box = sandbox({ executable: '/nonexistent/vagrant' })
    const seen: string[] = []
    box.onDidChangeStatus((s) => seen.push(s.state))
    expect(await box.refresh()).toMatchObject({ state: 'error', error: VAGRANT_MISSING })
    expect(seen).toEqual(['error'])
    await expect(box.start()).rejects.toMatchObject({ message: VAGRANT_MISSING!.message })
  })

  it('reads a VM that does not exist yet as not-created, with no snapshot', async () => {
    const box = sandbox()
    const status = await box.refresh()
    expect(status).toMatchObject({ state: 'not-created', error: null, hasCleanSnapshot: false, connected: false, action: null })
    expect(status.detail).toMatch(/^Vagrant \d+\.\d+\.\d+/)
  }, 60_000)

  it('turns a start that Vagrant refuses into a classified error, with progress and log on the way', async () => {
    // VirtualBox is not installed here: Vagrant refuses before touching any network.
    const box = sandbox({ settings: { vmProvider: 'virtualbox' } })
    await box.refresh()
    const states: string[] = []
    const actions: (string | null)[] = []
    box.onDidChangeStatus((s) => {
      states.push(s.state)
      actions.push(s.action?.kind ?? null)
    })
    const error = await box.start().then(
      () => null,
      (err: unknown) => err,
    )
    expect(error).toBeInstanceOf(AppError)
    expect((error as AppError).message).toMatch(/^Could not start the VM/)
    expect((error as AppError).fix).toMatch(/VirtualBox|provider/i)
    expect(actions).toContain('start')
    expect(actions.at(-1)).toBeNull()
    expect(box.current).toMatchObject({ state: 'not-created', action: null })
    expect(box.current.error?.message).toMatch(/^Could not start the VM/)
    expect(box.recentLog().join('\n')).toMatch(/VirtualBox/i)
  }, 120_000)

  it('refuses a second operation while one runs, and a reset without a snapshot', async () => {
    const box = sandbox({ settings: { vmProvider: 'virtualbox' } })
    await box.refresh()
    const first = box.start().catch(() => undefined)
    await expect(box.stop()).rejects.toThrow(/The VM is busy/)
    await first
    await expect(box.reset()).rejects.toThrow('There is no clean snapshot to reset to.')
  }, 120_000)

  it('passes invalid resource settings to the Vagrantfile, which explains them', async () => {
    const box = sandbox({ env: { CHAOS_LAB_CPUS: 'lots' } })
    const status = await box.refresh()
    expect(status.state).toBe('error')
    expect(status.error?.details.join('\n')).toContain('CHAOS_LAB_CPUS must be a whole number')
  }, 60_000)
})

describe('the Vagrantfile', () => {
  it.each([
    ['the user VM', {}],
    ['the CI box', { CHAOS_LAB_BOX: 'ci' }],
  ])('passes `vagrant validate` for %s', async (_label, env: Record<string, string>) => {
    const home = tempDir('chaos-lab-vagrant-home-')
    cleanups.push(home.cleanup)
    const result = await runVagrant(
      { vagrantDir: join(REPO_ROOT, 'vagrant'), dotfilePath: join(home.path, '.vagrant'), env: { VAGRANT_HOME: home.path, VAGRANT_SERVER_URL: 'http://127.0.0.1:9', ...env } },
      ['validate'],
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('Vagrantfile validated successfully.')
  }, 60_000)
})

describe('parseSshConfig', () => {
  it('reads host, port, user and the first key, quoted or not', () => {
    const text = `Host default
  HostName 192.168.121.37
  User vagrant
  Port 22
  UserKnownHostsFile /dev/null
  StrictHostKeyChecking no
  IdentityFile "/home/me/Chaos Lab/.vagrant/machines/default/libvirt/private_key"
  IdentityFile /home/me/.vagrant.d/insecure_private_key
  IdentitiesOnly yes
`
    expect(parseSshConfig(text)).toEqual({ host: '192.168.121.37', port: 22, username: 'vagrant', privateKeyPath: '/home/me/Chaos Lab/.vagrant/machines/default/libvirt/private_key' })
  })

  it('explains a config without the essentials', () => {
    expect(() => parseSshConfig('Host default\n')).toThrow(/without a host, port, user or key/)
  })
})
