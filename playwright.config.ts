import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './electron/cli/pageDriver'

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
      // The same Chromium and flags as content CI's page driver (no background networking: our
      // machines' closed network refuses Google's hosts).
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
    trace: 'retain-on-failure',
  },
})
