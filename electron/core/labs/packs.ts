// Classroom lab packs: folders of labs the user adds to the catalogue (a workshop's labs, a
// teacher's pack on a USB stick). Kept in the database, so they are there after a restart, in
// the app and in the CLI alike. The app's own labs/ and any --labs folder are built in: listed,
// but not removable from here.
import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, isAbsolute, join, resolve, sep } from 'node:path'
import type { LabPack } from '../api'
import { AppError } from '../errors'
import type { LabPackRepository } from '../store/repositories'
import type { LoadResult } from './loader'

export class LabPacks {
  constructor(
    private readonly repo: LabPackRepository,
    /** The app's labs/ and the --labs folders, in that order. */
    private readonly builtIn: readonly string[],
  ) {}

  /** Every folder the catalogue loads: built-in first, then the added packs, oldest first. */
  roots(): string[] {
    const roots = [...this.builtIn]
    for (const pack of this.repo.list()) if (!roots.includes(pack.path)) roots.push(pack.path)
    return roots
  }

  /** The folders with what the catalogue found in each. */
  list(catalogue: LoadResult): LabPack[] {
    const added = new Map(this.repo.list().map((p) => [p.path, p.addedAt]))
    return this.roots().map((path) => ({
      path,
      builtIn: this.builtIn.includes(path),
      exists: isDirectory(path),
      labs: catalogue.labs.filter((lab) => lab.root === path).length,
      broken: new Set(catalogue.problems.filter((p) => p.labDir === path || p.labDir.startsWith(path + sep)).map((p) => p.labDir)).size,
      addedAt: added.get(path) ?? null,
    }))
  }

  /** Validates and adds a folder; returns its normalized path. */
  add(input: string): string {
    const path = normalize(input)
    if (!existsSync(path)) {
      throw new AppError({ code: 'not-found', message: `There is no folder at ${path}.`, fix: 'Check the path (copy it from your file manager) and add it again.' })
    }
    if (!isDirectory(path)) {
      throw new AppError({ code: 'bad-request', message: `${path} is a file, not a folder.`, fix: 'Add the folder that holds the lab folders (each with a lab.yaml).' })
    }
    if (existsSync(join(path, 'lab.yaml'))) {
      throw new AppError({
        code: 'bad-request',
        message: `${path} is a single lab (it has a lab.yaml), not a pack of labs.`,
        fix: `Add the folder that contains it instead: ${dirname(path)}`,
      })
    }
    if (this.builtIn.includes(path)) {
      throw new AppError({ code: 'bad-request', message: `${path} is already in the catalogue: it comes with Chaos Lab or was given with --labs.`, fix: 'Nothing to do: its labs are already listed.' })
    }
    if (!this.repo.add(path)) {
      throw new AppError({ code: 'bad-request', message: `The lab pack ${path} is already added.`, fix: 'Nothing to do: its labs are already in the catalogue.' })
    }
    return path
  }

  remove(input: string): void {
    const path = normalize(input)
    if (this.repo.remove(path)) return
    if (this.builtIn.includes(path)) {
      throw new AppError({ code: 'bad-request', message: `${path} comes with Chaos Lab (or was given with --labs) and cannot be removed here.`, fix: 'Start Chaos Lab without that --labs folder to leave it out.' })
    }
    throw new AppError({ code: 'not-found', message: `${path} is not one of the added lab packs.`, fix: 'Reload the list of lab packs and try again.' })
  }
}

/** Full path, `~` expanded, no trailing separator. Relative paths are refused: relative to what? */
function normalize(input: string): string {
  const trimmed = input.trim().replace(/^(["'])(.*)\1$/, '$2')
  const expanded = trimmed === '~' ? homedir() : trimmed.startsWith('~/') ? join(homedir(), trimmed.slice(2)) : trimmed
  if (!isAbsolute(expanded)) {
    throw new AppError({
      code: 'bad-request',
      message: `"${input}" is not a full path.`,
      fix: `Type the folder's full path, starting with ${sep === '/' ? '/ or ~/ (e.g. ~/workshop/labs)' : 'a drive letter (e.g. C:\\workshop\\labs)'}.`,
    })
  }
  return resolve(expanded)
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
