import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The admin's server components (src/admin/*.tsx) render in tests too: React's automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own embedded PostgreSQL and Payload; 2 cores take two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: { DISABLE_PAYLOAD_HMR: 'true' },
  },
})
