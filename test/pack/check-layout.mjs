// Checks the app layout `npm run pack:check` produced in dist/linux-unpacked: what a packaged
// Chaos Lab needs is inside (and native modules unpacked next to the asar), and build-only
// packages are not shipped. Exits 1 with a list of what is wrong.
import asar from '@electron/asar'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const resources = join(import.meta.dirname, '..', '..', 'dist', 'linux-unpacked', 'resources')
const archive = join(resources, 'app.asar')
const problems = []
if (!existsSync(archive)) {
  console.error(`pack:check: ${archive} is missing; electron-builder did not produce the app.`)
  process.exit(1)
}
const inAsar = new Set(asar.listPackage(archive).map((p) => p.replaceAll('\\', '/').replace(/^\//, '')))

const mustHave = [
  'out/main/index.js',
  'out/preload/index.js',
  'out/renderer/index.html',
  'package.json',
  'node_modules/better-sqlite3/package.json',
  'node_modules/node-pty/package.json',
  'node_modules/ssh2/package.json',
  'node_modules/ws/package.json',
  'node_modules/yaml/package.json',
  'node_modules/zod/package.json',
]
for (const path of mustHave) if (!inAsar.has(path)) problems.push(`app.asar lacks ${path}`)

// Bundled into out/ by Vite, or build tools: shipping them would only bloat the app.
for (const name of ['react', 'react-dom', '@xterm/xterm', 'uplot', 'typescript', 'vitest', 'vite', 'electron', '@playwright/test', 'node']) {
  if (inAsar.has(`node_modules/${name}/package.json`)) problems.push(`app.asar ships the dev-only package ${name}`)
}

const unpacked = join(resources, 'app.asar.unpacked')
const nativeFiles = existsSync(unpacked) ? walk(unpacked).filter((f) => f.endsWith('.node')) : []
for (const module of ['better-sqlite3', 'node-pty']) {
  if (!nativeFiles.some((f) => f.includes(`/node_modules/${module}/`))) problems.push(`no unpacked .node file for ${module} (asarUnpack)`)
}
for (const path of ['labs/how-processes-die/lab.yaml', 'vagrant/Vagrantfile', 'vagrant/provision/provision.sh', 'vagrant/provision/packages.txt']) {
  if (!existsSync(join(resources, path))) problems.push(`resources/${path} is missing (extraResources)`)
}

const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
console.log(`pack:check: app.asar ${mb(statSync(archive).size)}, ${inAsar.size} entries; ${nativeFiles.length} unpacked native files`)
if (problems.length > 0) {
  for (const p of problems) console.error(`  problem: ${p}`)
  process.exit(1)
}
console.log('pack:check: layout ok')

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? walk(path) : [path]
  })
}
