import { defineConfig } from 'vitest/config'

export default defineConfig({
  // The admin's server components (src/admin/*.tsx) render in tests too: React's automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    include: ['test/**/*.test.ts'],
    // Each file starts its own embedded PostgreSQL and Payload; 2 cores take two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    // Limits, not expectations: tests wait for conditions; on a busy 2-core machine a test that
    // saves 1,000 dealers takes minutes (seen at load 20 while checking the suite beside busy loops).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    env: { DISABLE_PAYLOAD_HMR: 'true' },
  },
})
