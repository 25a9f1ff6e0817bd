import { defineConfig } from 'vitest/config'

// Two suites: `unit` runs everywhere in seconds; `vm` needs the real VM that
// `npm run test:vm` brings up (it runs inside the CI network namespace).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', environment: 'node', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      { test: { name: 'vm', environment: 'node', include: ['test/vm/**/*.test.ts'], testTimeout: 15 * 60_000, hookTimeout: 15 * 60_000, fileParallelism: false } },
    ],
  },
})
