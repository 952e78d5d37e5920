import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests each start their own servers on free loopback ports. Many of them wait (real slots, moto,
    // servers starting) more than they compute: on 2 cores, 3 files at once took the suite from about 420 s to
    // 295-323 s (two runs), every test passing.
    maxWorkers: 3,
  },
});
