import { defineConfig } from '@playwright/test'
import base from './playwright.config'

// The e2e tests that need the real VM: run by `npm run test:vm` inside its network namespace.
export default defineConfig({ ...base, testDir: 'test/vm/e2e', timeout: 20 * 60_000 })
