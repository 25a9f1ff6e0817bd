import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** Writes a lab folder from a manifest text and step files; returns its path. */
export function writeLab(root: string, name: string, manifest: string, steps: Record<string, string> = {}): string {
  const dir = join(root, name)
  mkdirSync(join(dir, 'steps'), { recursive: true })
  writeFileSync(join(dir, 'lab.yaml'), manifest)
  for (const [id, body] of Object.entries(steps)) writeFileSync(join(dir, 'steps', `${id}.md`), body)
  return dir
}

export function validManifest(id: string, extra = ''): string {
  return `id: ${id}
title: Lab ${id}
source: book
chapter: 4
topic: latency
summary: A test lab.
minutes: 15
steps:
  - id: first
    title: The first step
${extra}`
}
