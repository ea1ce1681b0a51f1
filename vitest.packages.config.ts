import { defineConfig } from 'vitest/config';

// The packed packages in a fresh app (`npm run test:packages`, which .ci/run runs beside
// `npm test`): it builds and packs both packages and installs them, a minute of both cores, so it
// runs alone rather than inside `npm test` beside the broker-backed tests.
export default defineConfig({
  test: {
    include: ['test/client/*.packages.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 180_000,
    hookTimeout: 15 * 60_000,
  },
});
