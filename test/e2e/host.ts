// Starts the real browser host (`chaos-lab serve --json`) as a child process, as a user would,
// on a free port with a fresh data folder. Playwright fixtures hand it to the tests.
import { test as base } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export const REPO_ROOT = join(__dirname, '..', '..')
export const BROKEN_PACK = join(REPO_ROOT, 'test', 'fixtures', 'labs-broken')

export interface Host {
  url: string
  dataDir: string
  /** Stops the process; resolves once it has exited. */
  stop(): Promise<void>
}

export async function startHost(options: { labs?: string[]; dataDir?: string; env?: Record<string, string> } = {}): Promise<Host> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'chaos-lab-e2e-'))
  const args = [join(REPO_ROOT, 'electron', 'cli', 'main.ts'), 'serve', '--json', '--data-dir', dataDir, ...(options.labs ?? []).flatMap((dir) => ['--labs', dir])]
  const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chaos-lab serve printed no URL within 20 s:\n${stderr}`)), 20_000)
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer)
      resolve((JSON.parse(line) as { url: string }).url)
    })
    child.once('exit', (code) => reject(new Error(`chaos-lab serve exited with ${code}:\n${stderr}`)))
  })
  return { url, dataDir, stop: () => stopChild(child) }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

/** Runs `use` with a fresh host, then stops it and removes its data folder, also after a failure. */
export async function withHost(options: Parameters<typeof startHost>[0], use: (host: Host) => Promise<void>): Promise<void> {
  const host = await startHost(options)
  try {
    await use(host)
  } finally {
    await host.stop()
    rmSync(host.dataDir, { recursive: true, force: true })
  }
}

/** `host`: a fresh host (with the broken fixture pack) for each test; its data is removed after. */
export const test = base.extend<{ host: Host }>({
  host: ({}, use) => withHost({ labs: [BROKEN_PACK] }, use),
})
export { expect } from '@playwright/test'
