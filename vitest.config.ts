import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module). Node loads the CJS one for every importer,
    // Vite would pick the ESM one for our files while Pothos and Yoga get the CJS one: two
    // copies of graphql in one schema. Pin the one Node uses.
    alias: [
      { find: /^graphql$/, replacement: require.resolve('graphql') },
      // The React package's sources import the client by name; here that name is its sources too.
      { find: /^@kafka-notify\/client$/, replacement: fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    // `npx vitest run --project unit` runs the pure logic alone, with no broker started.
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/unit/**'],
          // One real Kafka broker for the whole run; each file makes its own topic and group.
          globalSetup: ['test/support/kafka-global-setup.ts'],
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: files run in parallel but not more than the machine can hold with a JVM beside them.
    maxWorkers: 2,
    pool: 'forks',
    // CI reads the JSON summary to print one plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: '.data/test-results.json' },
  },
});
