import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// The full fault suite (`npm run test:faults`): every scenario starts its own brokers, PostgreSQL
// and app processes, so the files run one at a time.
export default defineConfig({
  resolve: {
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/faults/*.faults.ts'],
    globalSetup: ['test/faults/support/report-global-setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
  },
});
