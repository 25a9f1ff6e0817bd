import { defineConfig } from '@playwright/test'

// The renderer is tested in Debian's Chromium (Playwright's own browser download is not
// reachable from our machines) against the browser host, which serves the same API as the
// Electron preload. Each test file starts its own host on a free port with its own data folder.
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Without the background-networking flags Chromium keeps dialling Google's hosts, which
      // this machine's closed network refuses.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
    trace: 'retain-on-failure',
  },
})
