// The benchmark rows that run in Chromium (Debian's, as the e2e tests use it): the live chart's
// update cost, the app's start to its first paint, and a 50 MB flood through a lab terminal.
// Each row is measured side by side with its alternative in the same run.
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { chromium, expect, type Browser, type BrowserContext } from '@playwright/test'
import { build } from 'esbuild'
import config from '../playwright.config'
import { startHost } from '../test/e2e/host'
import { expectInTerminal, FLOOD_MB, FLOOD_PIPE, openHostShellFromEmptyState, openLab, startFrameGapProbe, stopFrameGapProbe, waitForPrompt } from '../test/e2e/terminals'
import { REPO_ROOT, tempDir } from '../test/helpers/tmp'
import type { Row } from './run'

const CHART_UPDATES = Number(process.env.BENCH_CHART_UPDATES ?? 200)
const START_RUNS = Number(process.env.BENCH_START_RUNS ?? 5)
/** Fewer: each cold start costs seconds more, and the bench's browser rows stay within ~3 min. */
const COLD_START_RUNS = Number(process.env.BENCH_COLD_START_RUNS ?? 3)
const FLOOD_RUNS = Number(process.env.BENCH_FLOOD_RUNS ?? 2)
const PIPE_RUNS = 5

const FIGURES = {
  chart: 'chart update, 8 series x 3600 points',
  url: 'app start: host spawn to URL printed',
  fcp: 'app start: host spawn to first contentful paint of the catalogue',
  cards: 'app start: host spawn to lab cards visible',
  flood: `terminal: ${FLOOD_MB} MB of output into the renderer`,
} as const
const TARGETS: Partial<Record<string, string>> = {
  [FIGURES.chart]: '< 4 ms per update',
  [FIGURES.flood]: 'longest frame gap < 100 ms',
}

const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b)
function median(values: number[]): number {
  const all = sorted(values)
  const middle = Math.floor(all.length / 2)
  return all.length % 2 === 1 ? all[middle]! : (all[middle - 1]! + all[middle]!) / 2
}
const ms = (value: number): string => `${value.toFixed(value >= 10 ? 1 : 2)} ms`
const s = (value: number): string => `${(value / 1000).toFixed(2)} s`
/** Our machines are shared: each row says how busy this one was while it ran. */
const machineLoad = (): string => `1-min load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs at the end`
/** "median (min–max)" in the given unit. */
function summary(values: number[], unit: (value: number) => string): string {
  const all = sorted(values)
  return `${unit(median(all))} (${unit(all[0]!)}–${unit(all.at(-1)!)})`
}

/** Appends the browser rows; without Chromium they are skipped with a note. */
export async function browserRows(rows: Row[]): Promise<void> {
  const launchOptions = config.use?.launchOptions ?? {}
  const executable = launchOptions.executablePath ?? '/usr/bin/chromium'
  if (!existsSync(executable)) {
    for (const figure of Object.values(FIGURES)) rows.push({ figure, ours: '—', alternative: '—', ratio: '—', target: TARGETS[figure] ?? '—', verdict: 'skipped', how: `needs Chromium at ${executable} (apt-get install chromium, or set CHROMIUM_PATH)` })
    return
  }
  // The host serves the built renderer; a fresh clone has none yet. (An existing build is not
  // rebuilt: other runs may be serving it. A stale one is measured, with a warning.)
  const built = join(REPO_ROOT, 'out', 'renderer', 'index.html')
  if (!existsSync(built)) {
    console.error('bench: building the renderer (electron-vite build) for the browser rows…')
    await run(join(REPO_ROOT, 'node_modules', '.bin', 'electron-vite'), ['build'], REPO_ROOT)
  } else if (newestMtime(join(REPO_ROOT, 'renderer')) > statSync(built).mtimeMs) {
    console.error('bench: out/renderer is older than renderer/: these figures are for the last build (npm run build to refresh)')
  }
  const browser = await chromium.launch(launchOptions)
  try {
    for (const [figures, measure] of [
      [[FIGURES.chart], chartRow],
      [[FIGURES.url, FIGURES.fcp, FIGURES.cards], appStartRows],
      [[FIGURES.flood], floodRow],
    ] as const) {
      const started = performance.now()
      try {
        rows.push(...(await measure(browser)))
        console.error(`bench: ${figures[0]}: ${((performance.now() - started) / 1000).toFixed(0)} s`)
      } catch (err) {
        // A broken measurement fails the bench, but the rest of the table still prints.
        console.error(err)
        process.exitCode = 1
        const message = err instanceof Error ? err.message.split('\n')[0] : String(err)
        for (const figure of figures) rows.push({ figure, ours: '—', alternative: '—', ratio: '—', target: TARGETS[figure] ?? '—', verdict: 'skipped', how: `failed: ${message}` })
      }
    }
  } finally {
    await browser.close()
  }
}

/** The newest modification time of any file under this folder. */
function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: config.use?.viewport ?? { width: 1280, height: 800 } })
}

// ---------------------------------------------------------------------------------------------
// Chart update: LiveChart's own code (createLiveChart, fed a sample through the renderer's
// MetricsStore as the panel does) vs destroying and re-creating the chart per sample.

export async function chartRow(browser: Browser): Promise<Row[]> {
  const server = await serveChartPage()
  const context = await newContext(browser)
  try {
    const page = await context.newPage()
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)
    const warmup = 20
    type Times = { total: number; js: number; layout: number; raster: number }
    const result = (await page.evaluate(`runChartBench(${CHART_UPDATES}, ${warmup})`)) as { ours: Times[]; naive: Times[]; points: number; held: number; series: number; nulls: number; dpr: number; width: number }
    const total = (times: Times[]): number[] => times.map((t) => t.total)
    const split = (times: Times[]): string => `uPlot's JS ${ms(median(times.map((t) => t.js)))}, layout ${ms(median(times.map((t) => t.layout)))}, canvas raster ${ms(median(times.map((t) => t.raster)))}`
    const ours = median(total(result.ours))
    const naive = median(total(result.naive))
    return [{
      figure: FIGURES.chart,
      ours: `${summary(total(result.ours), ms)} store.push → batch(setData, setScale)`,
      alternative: `${summary(total(result.naive), ms)} destroy + new chart`,
      ratio: `${(naive / ours).toFixed(1)}x`,
      target: TARGETS[FIGURES.chart]!,
      verdict: ours < 4 ? 'met' : 'missed',
      how: `uPlot 1.6.32 in Chromium, two ${result.width}x170 charts made by LiveChart's own code (createLiveChart from renderer/src/charts/LiveChart.tsx with the renderer's MetricsStore, bundled by esbuild; the app's stylesheet and light theme; time axis, live legend, marks plugin with 3 marks; devicePixelRatio ${result.dpr}), ${result.series} series following the 1 h window: ${result.points} points on the chart (${result.held} held) with ${result.nulls} null gaps; ${CHART_UPDATES} updates each after ${warmup} warm-up, alternating which goes first, a frame between them; each is one sample pushed into the chart's store (ours redraws through its store subscription, as in the app; the alternative destroys its chart, pushes and makes a new one); timed with performance.now() from the push through uPlot's microtask commit, a forced layout (offsetHeight) and a 1-pixel getImageData that makes Chromium rasterize the canvas; median (min–max); median split, ours: ${split(result.ours)}; alternative: ${split(result.naive)}; ${machineLoad()}`,
    }]
  } finally {
    await context.close()
    await new Promise((resolve) => server.close(resolve))
  }
}

/**
 * LiveChart.tsx and store.ts bundled for the page (esbuild, which tsx runs on; uPlot from its ESM
 * build as Vite bundles it for the app), exposed as window.LiveChartBench.
 */
async function liveChartBundle(): Promise<string> {
  const built = await build({
    stdin: {
      contents: "export { createLiveChart, readChartColors } from './LiveChart'\nexport { MetricsStore } from './store'\n",
      resolveDir: join(REPO_ROOT, 'renderer', 'src', 'charts'),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    globalName: 'LiveChartBench',
    write: false,
    // The page links uPlot's stylesheet itself; React comes along (LiveChart.tsx imports its hooks) unused.
    loader: { '.css': 'empty' },
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  })
  return built.outputFiles[0]!.text
}

/** bench/chartPage.html, LiveChart's bundle, the app's stylesheet and uPlot's on 127.0.0.1, a free port. */
export async function serveChartPage(): Promise<Server> {
  const bundle = await liveChartBundle()
  const files: Record<string, [() => string | Buffer, string]> = {
    '/': [() => readFileSync(join(__dirname, 'chartPage.html')), 'text/html; charset=utf-8'],
    '/liveChart.js': [() => bundle, 'text/javascript; charset=utf-8'],
    '/styles.css': [() => readFileSync(join(REPO_ROOT, 'renderer', 'src', 'styles.css')), 'text/css; charset=utf-8'],
    '/uPlot.min.css': [() => readFileSync(join(REPO_ROOT, 'node_modules', 'uplot', 'dist', 'uPlot.min.css')), 'text/css'],
  }
  const server = createServer((req, res) => {
    const file = files[req.url ?? '']
    if (!file) return void res.writeHead(404).end()
    res.writeHead(200, { 'Content-Type': file[1] }).end(file[0]())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

// ---------------------------------------------------------------------------------------------
// App start: `chaos-lab serve` spawned as the e2e tests (and bin/chaos-lab) do, through tsx.

interface StartTimes {
  url: number
  fcp: number
  cards: number
}

/** Records (in page time) the first frame in which a lab card is in the document. */
const CARDS_PROBE = `(() => {
  const seen = () => {
    if (!document.querySelector('.lab-card[data-lab-id]')) return false
    requestAnimationFrame(() => { window.__cardsAt = performance.now() })
    return true
  }
  new MutationObserver((_records, observer) => { if (seen()) observer.disconnect() }).observe(document, { childList: true, subtree: true })
})()`

async function startOnce(browser: Browser, env: Record<string, string>): Promise<StartTimes> {
  const data = tempDir('chaos-lab-bench-start-')
  const context = await newContext(browser)
  try {
    const page = await context.newPage()
    await page.addInitScript(CARDS_PROBE)
    const spawned = performance.timeOrigin + performance.now()
    const host = await startHost({ dataDir: data.path, env })
    const printed = performance.timeOrigin + performance.now()
    try {
      await page.goto(host.url)
      await expect(page.locator('.lab-card[data-lab-id]').first()).toBeVisible({ timeout: 30_000 })
      await page.waitForFunction(`window.__cardsAt !== undefined && performance.getEntriesByName('first-contentful-paint').length > 0`)
      const inPage = (await page.evaluate(`({ origin: performance.timeOrigin, fcp: performance.getEntriesByName('first-contentful-paint')[0].startTime, cards: window.__cardsAt })`)) as { origin: number; fcp: number; cards: number }
      return { url: printed - spawned, fcp: inPage.origin + inPage.fcp - spawned, cards: inPage.origin + inPage.cards - spawned }
    } finally {
      await host.stop()
    }
  } finally {
    await context.close()
    await removeWhenUnused(data)
  }
}

async function appStartRows(browser: Browser): Promise<Row[]> {
  // Ours: tsx's compile cache warm (every start but the first). Alternative: the cache off, as
  // on the first start after an install or an update, when tsx compiles every file.
  const warm: StartTimes[] = []
  const cold: StartTimes[] = []
  await startOnce(browser, {}) // fills tsx's cache and the OS's file cache; not counted
  for (let i = 0; i < Math.max(START_RUNS, COLD_START_RUNS); i++) {
    if (i < START_RUNS) warm.push(await startOnce(browser, {}))
    if (i < COLD_START_RUNS) cold.push(await startOnce(browser, { TSX_DISABLE_CACHE: '1' }))
  }
  const labs = readdirSync(join(REPO_ROOT, 'labs'), { withFileTypes: true }).filter((d) => d.isDirectory()).length
  const how = `${START_RUNS} runs (alternative ${COLD_START_RUNS}), interleaved, after one uncounted start; clock starts at spawn of \`tsx electron/cli/main.ts serve --json\` (test/e2e/host.ts, as bin/chaos-lab and \`npm run serve\` start it) with a fresh data folder, and a fresh Chromium context already open; alternative: the same with TSX_DISABLE_CACHE=1 (every file compiled, as on the first start after an install or update); ${labs} lab folders; median (min–max); ${machineLoad()}`
  const row = (figure: string, key: keyof StartTimes, what: string): Row => {
    const ours = warm.map((t) => t[key])
    const alternative = cold.map((t) => t[key])
    return { figure, ours: summary(ours, s), alternative: `${summary(alternative, s)} tsx cache off`, ratio: `${(median(alternative) / median(ours)).toFixed(1)}x`, target: '—', verdict: 'info', how: `${what}; ${how}` }
  }
  return [
    row(FIGURES.url, 'url', 'until the host prints {"url": ...} on stdout'),
    row(FIGURES.fcp, 'fcp', "until Chromium's first-contentful-paint entry (performance.timeOrigin + startTime) after page.goto(url)"),
    row(FIGURES.cards, 'cards', 'until the first animation frame with a .lab-card[data-lab-id] in the page (MutationObserver + requestAnimationFrame)'),
  ]
}

// ---------------------------------------------------------------------------------------------
// Terminal flood: the e2e flood test's 50 MB through a host shell in the lab view, vs a pipe.

async function floodRow(browser: Browser): Promise<Row[]> {
  // The ceiling: the same bytes from the same programs through a plain pipe.
  const pipe: number[] = []
  for (let i = 0; i < PIPE_RUNS; i++) {
    const started = performance.now()
    await run('sh', ['-c', `${FLOOD_PIPE} > /dev/null`])
    pipe.push(performance.now() - started)
  }

  const data = tempDir('chaos-lab-bench-flood-')
  const host = await startHost({ dataDir: data.path })
  const context = await newContext(browser)
  const times: number[] = []
  const gaps: number[] = []
  const frames: number[] = []
  const rss: number[] = []
  try {
    const page = await context.newPage()
    await openLab(page, host.url)
    const terminal = await openHostShellFromEmptyState(page)
    const hostPids = processesMentioning(data.path)
    for (let i = 1; i <= FLOOD_RUNS; i++) {
      await page.keyboard.type(`${FLOOD_PIPE}; echo; echo flood-done-${i}`)
      await startFrameGapProbe(page)
      const watch = watchRss(hostPids)
      const started = performance.now()
      await page.keyboard.press('Enter')
      // (Only the last rows: reading the whole scrollback every poll would load the page itself.)
      await expectInTerminal(terminal, new RegExp(`^flood-done-${i}$`, 'm'), 180_000, 20)
      times.push(performance.now() - started)
      const probe = await stopFrameGapProbe(page)
      gaps.push(probe.maxGap)
      frames.push(probe.frames)
      rss.push(watch.stop())
      await waitForPrompt(terminal)
    }
    const renderer = await terminal.getAttribute('data-renderer')
    const mbps = (t: number): string => `${(FLOOD_MB / (t / 1000)).toFixed(1)} MB/s`
    const worstGap = Math.max(...gaps)
    const rssNote = rss.some((r) => r > 0) ? `; core RSS peak ${Math.max(...rss).toFixed(0)} MB` : ''
    return [{
      figure: FIGURES.flood,
      ours: `${summary(times, s)} = ${mbps(median(times))}; longest frame gap ${worstGap.toFixed(0)} ms${rssNote}`,
      alternative: `${summary(pipe, s)} = ${mbps(median(pipe))} plain pipe`,
      ratio: `${(median(pipe) / median(times)).toFixed(2)}x`,
      target: TARGETS[FIGURES.flood]!,
      verdict: worstGap < 100 ? 'met' : 'missed',
      how: `\`${FLOOD_PIPE}\` typed into a host shell (bash in node-pty) in the lab view, ${FLOOD_RUNS} runs in one terminal (xterm ${renderer} renderer); time from Enter until the end marker shows in the last 20 rows (polled, up to 1 s late); frame gaps from a requestAnimationFrame loop during each flood (worst of all runs; per run ${gaps.map((g) => g.toFixed(0)).join(', ')} ms over ${frames.join(', ')} frames); core RSS (tsx and its node) sampled every 200 ms from /proc, peak per run ${rss.map((r) => r.toFixed(0)).join(', ')} MB; alternative: the same pipeline into /dev/null, ${PIPE_RUNS} runs; ratio < 1: the terminal is slower than the pipe; median (min–max); ${machineLoad()}`,
    }]
  } finally {
    await context.close()
    await host.stop()
    await removeWhenUnused(data)
  }
}

/** The processes whose command line (or, with `environ`, environment) mentions this path. */
function processesMentioning(path: string, file: 'cmdline' | 'environ' = 'cmdline'): number[] {
  if (!existsSync('/proc/self/cmdline')) return []
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (readFileSync(`/proc/${entry}/${file}`, 'utf8').split('\0').some((part) => part.includes(path))) pids.push(Number(entry))
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids
}

/**
 * Removes a host's data folder once nothing uses it: the core's `vagrant status` at start
 * (VAGRANT_DOTFILE_PATH in the folder) outlives a host stopped early, and would otherwise
 * recreate the folder, and eat CPU during the next measurement.
 */
async function removeWhenUnused(data: { path: string; cleanup: () => void }, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs
  while (Date.now() < deadline && (processesMentioning(data.path).length > 0 || processesMentioning(data.path, 'environ').length > 0)) {
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  data.cleanup()
}

/** The largest resident set (MB) of any of these processes until stop(). */
function watchRss(pids: number[]): { stop(): number } {
  let peak = 0
  const sample = (): void => {
    for (const pid of pids) {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
        peak = Math.max(peak, kb / 1024)
      } catch {
        // gone
      }
    }
  }
  sample()
  const timer = setInterval(sample, 200)
  return {
    stop: () => {
      clearInterval(timer)
      sample()
      return peak
    },
  }
}

function run(file: string, args: string[], cwd?: string): Promise<void> {
  return new Promise((resolve, reject) => execFile(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 }, (err) => (err ? reject(err) : resolve())))
}
