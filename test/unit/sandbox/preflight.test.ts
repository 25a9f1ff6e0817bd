// The pre-flight checks against this machine's real Vagrant, plugins, CPU, memory, disk and
// sockets: no mocks. Expectations that depend on the host are read from the host itself.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { totalmem } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PreflightReport } from '../../../electron/core/api'
import {
  checkDisk,
  checkMemory,
  checkPorts,
  checkProviders,
  checkVagrant,
  checkVirtualization,
  runPreflight,
  type PreflightOptions,
} from '../../../electron/core/sandbox/preflight'
import { parsePluginList } from '../../../electron/core/sandbox/preflight/providers'
import { virtualizationFlags } from '../../../electron/core/sandbox/preflight/virtualization'
import type { VagrantEnvironment } from '../../../electron/core/sandbox/vagrantCli'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

const MIB = 1024 * 1024
// Each vagrant call starts Ruby (1-2 s alone, several times that on a busy machine).
const VAGRANT_TIMEOUT = 60_000
const dirs: Array<{ cleanup: () => void }> = []
function scratch(): string {
  const dir = tempDir('chaos-lab-preflight-')
  dirs.push(dir)
  return dir.path
}
afterAll(() => dirs.forEach((d) => d.cleanup()))

let env: VagrantEnvironment
// What this machine has, asked directly (checkpoint off: no network).
let vagrantVersion: string
let libvirtPluginVersion: string
beforeAll(() => {
  env = { vagrantDir: join(REPO_ROOT, 'vagrant'), dotfilePath: scratch() }
  const run = (args: string[]) => execFileSync('vagrant', args, { encoding: 'utf8', env: { ...process.env, VAGRANT_CHECKPOINT_DISABLE: '1' } })
  vagrantVersion = /Vagrant (\S+)/.exec(run(['--version']))![1]!
  libvirtPluginVersion = /^vagrant-libvirt \(([^,)]+)/m.exec(run(['plugin', 'list']))![1]!
}, VAGRANT_TIMEOUT)

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()))
const portOf = (server: Server) => (server.address() as { port: number }).port

describe('vagrant check', { timeout: VAGRANT_TIMEOUT }, () => {
  it('reports the installed version', async () => {
    expect(await checkVagrant(env)).toEqual({ id: 'vagrant', title: 'Vagrant', status: 'ok', detail: `Vagrant ${vagrantVersion}`, fix: '' })
  })

  it('fails with an install link when the executable is missing', async () => {
    const check = await checkVagrant({ ...env, executable: '/nonexistent/vagrant' })
    expect(check.status).toBe('fail')
    expect(check.detail).toContain('/nonexistent/vagrant')
    expect(check.fix).toContain('https://developer.hashicorp.com/vagrant/install')
  })
})

describe('providers check', { timeout: VAGRANT_TIMEOUT }, () => {
  it('finds vagrant-libvirt with virsh and accepts libvirt when it is selected', async () => {
    const check = await checkProviders(env, 'libvirt')
    expect(check.status).toBe('ok')
    expect(check.detail).toContain(`libvirt (vagrant-libvirt ${libvirtPluginVersion})`)
    expect(check.fix).toBe('')
  })

  it('with auto, is satisfied by any usable provider and lists it', async () => {
    const check = await checkProviders(env, 'auto')
    expect(check.status).toBe('ok')
    expect(check.detail).toContain(`libvirt (vagrant-libvirt ${libvirtPluginVersion})`)
  })

  it('fails when the selected provider is not installed, pointing at Settings', async () => {
    const check = await checkProviders(env, 'parallels')
    expect(check.status).toBe('fail')
    expect(check.detail).toMatch(/^Parallels is selected in Settings but .*vagrant-parallels.* missing; usable: libvirt/)
    expect(check.fix).toContain('pick another provider in Settings')
    expect(check.fix).toContain('libvirt is ready')
  })

  it('without Vagrant, says the plugins could not be listed', async () => {
    const check = await checkProviders({ ...env, executable: '/nonexistent/vagrant' }, 'libvirt')
    expect(check.status).toBe('fail')
    expect(check.detail).toContain('Vagrant plugins could not be listed (ENOENT)')
  })

  it('parses plugin lines, including the Debian-packaged ("system") ones', () => {
    const plugins = parsePluginList('vagrant-libvirt (0.11.2, system)\nvagrant-parallels (2.4.1, global)\n  - Version Constraint: > 0\n')
    expect([...plugins]).toEqual([
      ['vagrant-libvirt', '0.11.2'],
      ['vagrant-parallels', '2.4.1'],
    ])
  })
})

describe.runIf(process.platform === 'linux')('virtualization check (Linux)', () => {
  it('matches what /proc/cpuinfo and /dev/kvm say on this machine', async () => {
    const flags = /^flags\s*:.*\b(vmx|svm)\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'))
    const kvm = existsSync('/dev/kvm')
    const check = await checkVirtualization('auto')
    expect(check.title).toBe('Hardware virtualization')
    // With auto, libvirt may be picked, and it needs /dev/kvm even when the CPU has the flags.
    expect(check.status).toBe(kvm ? 'ok' : 'warn')
    if (!flags && !kvm) {
      expect(check.detail).toContain('emulation')
      expect(check.fix).toContain('Enable VT-x/AMD-V in the firmware settings')
    }
    if (flags && !kvm) expect(check.fix).toContain('modprobe')
    if (check.status === 'ok') expect(check.fix).toBe('')
  })

  it('reads only the flags lines', () => {
    expect(virtualizationFlags('flags\t\t: fpu vme vmx sse2\nbugs\t\t: svm\n')).toEqual(['vmx'])
    expect(virtualizationFlags('flags\t\t: fpu vme sse2\n')).toEqual([])
  })
})

describe('memory check', () => {
  const totalMb = Math.floor(totalmem() / MIB)

  it('fails when the VM wants more than the host has', async () => {
    const check = await checkMemory(totalMb + 1)
    expect(check.status).toBe('fail')
    expect(check.detail).toMatch(/^\d+\.\d GB total, \d+\.\d GB free; the VM takes \d+\.\d GB$/)
    expect(check.fix).toContain('Settings')
  })

  it('warns when the host would keep less than 2 GB', async () => {
    const check = await checkMemory(totalMb - 1536)
    expect(check.status).toBe('warn')
    expect(check.detail).toContain('leaving the host less than 2.0 GB')
  })

  it('does not fail for the smallest VM', async () => {
    const check = await checkMemory(1024)
    expect(check.status).not.toBe('fail')
    expect(check.detail).toContain('the VM takes 1.0 GB')
  })
})

describe('disk check', () => {
  it('fails, naming the folder, when the disk is smaller than required', async () => {
    const dir = scratch()
    const check = await checkDisk(dir, Number.MAX_SAFE_INTEGER)
    expect(check.status).toBe('fail')
    expect(check.detail).toContain(dir)
    expect(check.fix).toContain(dir)
  })

  it('is ok when enough is free', async () => {
    const dir = scratch()
    expect(await checkDisk(dir, 1024)).toMatchObject({ status: 'ok', detail: expect.stringContaining(`free in ${dir}`), fix: '' })
  })

  it('measures a data folder that does not exist yet on its nearest existing parent', async () => {
    const parent = scratch()
    const check = await checkDisk(join(parent, 'not', 'yet'), 1024)
    expect(check.status).toBe('ok')
    expect(check.detail).toContain(`free in ${parent} (where ${join(parent, 'not', 'yet')} will be created)`)
  })
})

describe('ports check', () => {
  it('fails naming a port that a server already holds on 127.0.0.1, and how to find it', async () => {
    const server = await listen()
    const port = portOf(server)
    try {
      const check = await checkPorts([port])
      expect(check.status).toBe('fail')
      expect(check.detail).toContain(String(port))
      if (process.platform === 'linux') expect(check.fix).toContain(`ss -ltnp 'sport = :${port}'`)
    } finally {
      await close(server)
    }
  })

  it('is ok for a free port and releases it again', async () => {
    const probe = await listen()
    const port = portOf(probe)
    await close(probe)
    expect(await checkPorts([port])).toMatchObject({ status: 'ok', detail: `Port ${port} free on 127.0.0.1` })
    // The check's own test server must be closed: the port can be bound again.
    await close(await listen(port))
  })

  it('names only the busy one among several', async () => {
    const busy = await listen()
    const freeProbe = await listen()
    const free = portOf(freeProbe)
    await close(freeProbe)
    try {
      const check = await checkPorts([free, portOf(busy)])
      expect(check.status).toBe('fail')
      expect(check.detail).toBe(`Port ${portOf(busy)} already in use on 127.0.0.1.`)
    } finally {
      await close(busy)
    }
  })

  it('is ok without forwarded ports and rejects impossible ones', async () => {
    expect(await checkPorts([])).toEqual({ id: 'ports', title: 'Forwarded ports', status: 'ok', detail: 'no forwarded ports', fix: '' })
    expect((await checkPorts([0, 70_000])).status).toBe('fail')
  })
})

describe('runPreflight', { timeout: VAGRANT_TIMEOUT }, () => {
  const options = (overrides: Partial<PreflightOptions> = {}): PreflightOptions => ({
    vagrant: env,
    dataDir: join(scratch(), 'data'),
    provider: 'libvirt',
    memoryMb: 1024,
    forwardedPorts: [],
    minFreeDiskBytes: 1024,
    ...overrides,
  })

  it('runs every check in order and is ready when none fails', async () => {
    const before = Date.now()
    const report = await runPreflight(options())
    expect(PreflightReport.parse(report)).toEqual(report)
    expect(report.checks.map((c) => c.id)).toEqual(['vagrant', 'providers', 'virtualization', 'memory', 'disk', 'ports'])
    expect(report.checks.map((c) => c.title)).toEqual(['Vagrant', 'VM provider', 'Hardware virtualization', 'Memory', 'Disk space', 'Forwarded ports'])
    expect(report.at).toBeGreaterThanOrEqual(before)
    for (const check of report.checks) if (check.status !== 'ok') expect(check.fix).not.toBe('')
    // Vagrant, libvirt, 1 GB of RAM, 1 KB of disk and no ports are all there on this machine;
    // hardware virtualization may only warn, which does not block.
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([])
    expect(report.ready).toBe(true)
  })

  it('is not ready when a check fails', async () => {
    const server = await listen()
    try {
      const report = await runPreflight(options({ vagrant: { ...env, executable: '/nonexistent/vagrant' }, forwardedPorts: [portOf(server)] }))
      expect(report.ready).toBe(false)
      expect(report.checks.find((c) => c.id === 'vagrant')!.status).toBe('fail')
      expect(report.checks.find((c) => c.id === 'ports')!.status).toBe('fail')
    } finally {
      await close(server)
    }
  })

  it('turns a check that throws into a warning instead of rejecting', async () => {
    // statfs below a regular file fails with ENOTDIR, which the disk check does not handle.
    const file = join(scratch(), 'a-file')
    writeFileSync(file, '')
    const report = await runPreflight(options({ dataDir: join(file, 'data') }))
    const disk = report.checks.find((c) => c.id === 'disk')!
    expect(disk).toMatchObject({ title: 'Disk space', status: 'warn', detail: expect.stringContaining('The check itself failed: ENOTDIR') })
    expect(disk.fix).not.toBe('')
    expect(report.checks).toHaveLength(6)
  })
})
