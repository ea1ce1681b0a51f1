import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One real Kafka broker for the whole run; each file makes its own topic and group.
    globalSetup: ['test/support/kafka-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Two cores: files run in parallel but not more than the machine can hold with a JVM beside them.
    maxWorkers: 2,
    pool: 'forks',
  },
});
