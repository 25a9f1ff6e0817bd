// Classroom lab packs through the API: add a folder of labs, the catalogue reloads with its good
// labs and its broken ones' problems, the pack is still there after a restart (and in the CLI),
// and every wrong path is refused with what to do instead.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, relative } from 'node:path'
import type { ApiEvent, Catalogue, LabPack } from '../../../electron/core/api'
import { Core } from '../../../electron/core/core'
import { unwrap, type ErrorInfo } from '../../../electron/core/errors'
import { validManifest, writeLab } from '../../helpers/labs'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

// The app's own labs: a folder of their own, so labs/ being edited cannot change these tests.
let APP_LABS: string
let data: ReturnType<typeof tempDir>
let packDir: ReturnType<typeof tempDir>
let pack: string
let core: Core
let events: ApiEvent[]

const newCore = (extra: string[] = []): Core => new Core({ host: 'browser', version: '0.0.0-test', dataDir: data.path, labRoots: [APP_LABS, ...extra], vagrantDir: join(REPO_ROOT, 'vagrant') })

beforeEach(() => {
  data = tempDir('chaos-lab-packs-data-')
  packDir = tempDir('chaos-lab-packs-')
  // A workshop's pack: one good lab and one with a typo in its lab.yaml.
  APP_LABS = join(data.path, 'app-labs')
  writeLab(APP_LABS, 'app-lab', validManifest('app-lab'), { first: 'Built in.' })
  pack = join(packDir.path, 'workshop')
  writeLab(pack, 'class-latency', validManifest('class-latency'), { first: 'Measure it.' })
  writeLab(pack, 'class-broken', validManifest('class-broken', 'minuts: 5\n'), { first: 'Broken.' })
  core = newCore()
  events = []
  core.onEvent((event) => events.push(event))
})
afterEach(() => {
  core.dispose()
  data.cleanup()
  packDir.cleanup()
})

async function failure(method: string, input: unknown): Promise<ErrorInfo> {
  const reply = await core.call(method, input)
  if (reply.ok) throw new Error(`${method} was expected to fail`)
  return reply.error
}
const catalogue = async (): Promise<Catalogue> => unwrap(await core.call('labs:list', undefined)) as Catalogue

describe('lab packs', { timeout: 60_000 }, () => {
  it('adding a pack reloads the catalogue with its labs and its broken labs’ problems; removing it takes them away', async () => {
    expect((await catalogue()).labs.map((l) => l.id)).toEqual(['app-lab'])
    const packs = unwrap(await core.call('packs:add', { path: `  ${pack}/  ` })) as LabPack[]
    expect(packs).toEqual([
      { path: APP_LABS, builtIn: true, exists: true, labs: 1, broken: 0, addedAt: null },
      { path: pack, builtIn: false, exists: true, labs: 1, broken: 1, addedAt: expect.any(Number) },
    ])
    expect(events.map((e) => e.name)).toEqual(['labs:changed'])

    const after = await catalogue()
    expect(after.labs.find((l) => l.id === 'class-latency')).toMatchObject({ root: pack, title: 'Lab class-latency' })
    expect(after.problems).toEqual([
      expect.objectContaining({ labDir: join(pack, 'class-broken'), file: join(pack, 'class-broken', 'lab.yaml'), line: 11, message: expect.stringContaining('Unknown key "minuts"'), fix: expect.stringContaining('Did you mean "minutes"?') }),
    ])
    expect((unwrap(await core.call('app:info', undefined)) as { labRoots: string[] }).labRoots).toEqual([APP_LABS, pack])

    expect(unwrap(await core.call('packs:remove', { path: pack }))).toEqual([packs[0]])
    expect((await catalogue()).labs.map((l) => l.id)).toEqual(['app-lab'])
    expect((await catalogue()).problems).toEqual([])
    expect(events.map((e) => e.name)).toEqual(['labs:changed', 'labs:changed'])
  })

  it('is kept across restarts, shows a pack that went missing as a problem, and applies to the CLI', async () => {
    unwrap(await core.call('packs:add', { path: pack }))
    core.dispose()
    core = newCore()
    expect((await catalogue()).labs.map((l) => l.id)).toContain('class-latency')

    const listed = await cli('lab', 'list', '--json', '--data-dir', data.path)
    expect((JSON.parse(listed.stdout) as Catalogue).labs.map((l) => l.id)).toContain('class-latency')

    // The USB stick is gone: the catalogue says so, the pack can still be removed.
    core.dispose()
    packDir.cleanup()
    core = newCore()
    const missing = await catalogue()
    expect(missing.problems).toEqual([expect.objectContaining({ labDir: pack, message: `The lab folder ${pack} does not exist.`, fix: expect.stringContaining('on the Lab packs page') })])
    expect((unwrap(await core.call('packs:list', undefined)) as LabPack[])[1]).toMatchObject({ path: pack, exists: false, labs: 0 })
    unwrap(await core.call('packs:remove', { path: pack }))
    expect((await catalogue()).problems).toEqual([])
  })

  it('refuses a path that is not a pack of labs, saying what to do instead', async () => {
    const file = join(packDir.path, 'notes.txt')
    writeFileSync(file, 'not a folder')
    const cases: [string, Partial<ErrorInfo>][] = [
      ['workshop', { code: 'bad-request', message: '"workshop" is not a full path.', fix: expect.stringContaining('~/') }],
      [join(packDir.path, 'nope'), { code: 'not-found', message: `There is no folder at ${join(packDir.path, 'nope')}.` }],
      [file, { code: 'bad-request', message: `${file} is a file, not a folder.` }],
      [join(pack, 'class-latency'), { code: 'bad-request', message: expect.stringContaining('is a single lab (it has a lab.yaml)'), fix: `Add the folder that contains it instead: ${pack}` }],
      [APP_LABS, { code: 'bad-request', message: expect.stringContaining('is already in the catalogue') }],
    ]
    for (const [path, error] of cases) expect(await failure('packs:add', { path }), path).toMatchObject(error)
    unwrap(await core.call('packs:add', { path: pack }))
    expect(await failure('packs:add', { path: pack })).toMatchObject({ message: `The lab pack ${pack} is already added.` })
    expect(await failure('packs:remove', { path: APP_LABS })).toMatchObject({ message: expect.stringContaining('comes with Chaos Lab'), fix: expect.stringContaining('--labs') })
    expect(await failure('packs:remove', { path: join(packDir.path, 'other') })).toMatchObject({ code: 'not-found' })
    expect(events.map((e) => e.name)).toEqual(['labs:changed'])
  })

  it('understands ~/ and quotes pasted from a file manager', async () => {
    const home = join(homedir(), `.chaos-lab-pack-test-${process.pid}`)
    mkdirSync(home, { recursive: true })
    try {
      writeLab(home, 'home-lab', validManifest('home-lab'), { first: 'Hi.' })
      const packs = unwrap(await core.call('packs:add', { path: `'~/${relative(homedir(), home)}'` })) as LabPack[]
      expect(packs.at(-1)).toMatchObject({ path: home, labs: 1 })
    } finally {
      const { rmSync } = await import('node:fs')
      rmSync(home, { recursive: true, force: true })
    }
  })
})

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'electron', 'cli', 'main.ts'), ...args], { cwd: REPO_ROOT, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
  })
}
