import { defineConfig } from '@playwright/test'
import base from './playwright.config'

// The e2e tests that need the real VM: run by `npm run test:vm` inside its network namespace.
// Its own output folder: a `playwright test` of the other suite cleans test-results/ when it starts.
export default defineConfig({ ...base, testDir: 'test/vm/e2e', outputDir: 'test-results-vm', timeout: 20 * 60_000 })
