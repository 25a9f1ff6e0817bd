// The CLI as a user runs it: a real process, real lab folders, real exit codes.
import { afterEach, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

const BROKEN_PACK = join(REPO_ROOT, 'test', 'fixtures', 'labs-broken')
const cleanups: (() => void)[] = []
afterEach(() => cleanups.splice(0).forEach((fn) => fn()))

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const data = tempDir('chaos-lab-cli-')
  cleanups.push(data.cleanup)
  const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx')
  return new Promise((resolve) => {
    execFile(tsx, [join(REPO_ROOT, 'electron', 'cli', 'main.ts'), ...args, '--data-dir', data.path], { cwd: REPO_ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('chaos-lab lab list', () => {
  it('lists the built-in labs and exits 0', async () => {
    const run = await cli('lab', 'list')
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^ID\s+SOURCE\s+TOPIC/)
    expect(run.stdout).toContain('how-processes-die')
    expect(run.stderr).toBe('')
  })

  it('loads the good labs of a pack, reports each broken one with file:line and a fix, and exits 1', async () => {
    const run = await cli('lab', 'list', '--labs', BROKEN_PACK)
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('pack-demo')
    expect(run.stderr).toContain(`${join(BROKEN_PACK, 'broken-yaml', 'lab.yaml')}:4: YAML syntax error`)
    expect(run.stderr).toContain(`${join(BROKEN_PACK, 'unknown-key', 'lab.yaml')}:7: Unknown key "stepz"`)
    expect(run.stderr).toContain('Did you mean "steps"?')
  })

  it('prints JSON that a script can read', async () => {
    const run = await cli('lab', 'list', '--json', '--labs', BROKEN_PACK)
    const catalogue = JSON.parse(run.stdout) as { labs: { id: string }[]; problems: { file: string }[] }
    expect(catalogue.labs.map((lab) => lab.id)).toEqual(expect.arrayContaining(['how-processes-die', 'pack-demo']))
    expect(catalogue.problems.length).toBeGreaterThanOrEqual(2)
  })

  it('answers an unknown command with usage and exit 2, and a bad port with a fix', async () => {
    const unknown = await cli('lab', 'frobnicate')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown command "lab frobnicate"')
    expect(unknown.stderr).toContain('Usage: chaos-lab')
    const badPort = await cli('serve', '--port', 'eighty')
    expect(badPort.code).toBe(1)
    expect(badPort.stderr).toMatch(/error: --port eighty is not a port number\.\n\s+fix: /)
  })
})

describe('chaos-lab lab schema', () => {
  it('prints a JSON Schema that names every lab.yaml key', async () => {
    const run = await cli('lab', 'schema')
    const schema = JSON.parse(run.stdout) as { properties: Record<string, unknown>; required: string[] }
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'title', 'steps', 'requires']))
    expect(schema.required).toContain('steps')
  })
})
