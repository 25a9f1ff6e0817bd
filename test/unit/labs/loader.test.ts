import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { loadLabs } from '../../../electron/core/labs/loader'
import { labManifestJsonSchema } from '../../../electron/core/labs/schema'
import { writeLab, validManifest } from '../../helpers/labs'
import { REPO_ROOT, tempDir } from '../../helpers/tmp'

let root: { path: string; cleanup: () => void }
beforeEach(() => {
  root = tempDir()
})
afterEach(() => root.cleanup())

describe('loadLabs', () => {
  it('loads a valid lab with its steps in manifest order', () => {
    writeLab(root.path, 'alpha', validManifest('alpha', '  - id: second\n    title: Then this\n'), { first: '# One', second: 'Two' })
    const { labs, problems } = loadLabs([root.path])
    expect(problems).toEqual([])
    expect(labs).toHaveLength(1)
    expect(labs[0]!.manifest.requires).toEqual([])
    expect(labs[0]!.steps.map((s) => [s.id, s.body])).toEqual([
      ['first', '# One'],
      ['second', 'Two'],
    ])
  })

  it('reports a YAML syntax error with its line and keeps loading the other labs', () => {
    writeLab(root.path, 'broken', 'id: broken\ntitle: "unterminated\nsource: book\n', {})
    writeLab(root.path, 'good', validManifest('good'), { first: 'text' })
    const { labs, problems } = loadLabs([root.path])
    expect(labs.map((l) => l.manifest.id)).toEqual(['good'])
    expect(problems).toHaveLength(1)
    expect(problems[0]!.message).toMatch(/YAML syntax error/)
    expect(problems[0]!.file).toBe(join(root.path, 'broken', 'lab.yaml'))
    expect(problems[0]!.line).toBeGreaterThanOrEqual(2)
  })

  it('names an unknown key, its line and the keys that are allowed', () => {
    writeLab(root.path, 'typo', validManifest('typo').replace('minutes: 15', 'minuts: 15'), { first: 'x' })
    const { problems } = loadLabs([root.path])
    const unknown = problems.find((p) => p.message.includes('"minuts"'))
    expect(unknown).toBeDefined()
    expect(unknown!.line).toBe(7)
    expect(unknown!.fix).toContain('minutes')
    // The missing `minutes` is a second, separate problem.
    expect(problems.some((p) => p.message === 'minutes is missing.')).toBe(true)
  })

  it('points at the step whose text file is missing', () => {
    writeLab(root.path, 'nostep', validManifest('nostep'), {})
    const { labs, problems } = loadLabs([root.path])
    expect(labs).toEqual([])
    expect(problems).toMatchObject([{ message: expect.stringContaining('steps/first.md is missing'), line: 9 }])
  })

  it('rejects a bad value with the path and line, and an id that differs from its folder', () => {
    writeLab(root.path, 'values', validManifest('values').replace('minutes: 15', 'minutes: -3'), { first: 'x' })
    writeLab(root.path, 'folder-name', validManifest('other-id'), { first: 'x' })
    const { labs, problems } = loadLabs([root.path])
    expect(labs).toEqual([])
    expect(problems.find((p) => p.labDir.endsWith('values'))).toMatchObject({ message: expect.stringMatching(/^minutes: /), line: 7 })
    expect(problems.find((p) => p.labDir.endsWith('folder-name'))).toMatchObject({ message: expect.stringContaining('does not match the folder name'), line: 1 })
  })

  it('refuses a duplicate id from a second root and reports a missing root', () => {
    const second = tempDir()
    try {
      writeLab(root.path, 'same', validManifest('same'), { first: 'x' })
      writeLab(second.path, 'same', validManifest('same'), { first: 'y' })
      const { labs, problems } = loadLabs([root.path, second.path, join(root.path, 'nope')])
      expect(labs).toHaveLength(1)
      expect(labs[0]!.root).toBe(root.path)
      expect(problems.map((p) => p.message)).toEqual([expect.stringContaining('already used'), expect.stringContaining('does not exist')])
    } finally {
      second.cleanup()
    }
  })

  it("loads every lab shipped in the repository's labs/ without a problem", () => {
    const { labs, problems } = loadLabs([join(REPO_ROOT, 'labs')])
    expect(problems).toEqual([])
    expect(labs.length).toBeGreaterThan(0)
  })

  it('publishes the manifest as JSON Schema with its required fields', () => {
    const schema = labManifestJsonSchema() as { required: string[]; additionalProperties: boolean }
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'title', 'steps', 'minutes']))
    expect(schema.required).not.toContain('requires')
    expect(schema.additionalProperties).toBe(false)
  })
})
