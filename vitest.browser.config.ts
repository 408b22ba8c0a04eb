import { defineConfig } from 'vitest/config';

/*
 * The console in headless Chromium (test/browser): `npm run test:browser`, after the build.
 * Not part of `npm test`; .ci/run runs it. One file at a time: each starts a server and a browser.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // test-results/summary.json, which .ci/run checks: no browser test may be skipped.
    reporters: ['default', './test/helpers/dialect-reporter.ts'],
    projects: [{ extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'] } }],
  },
});
