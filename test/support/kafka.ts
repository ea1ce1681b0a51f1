import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

/** The run's Kafka cluster, chosen once by test/support/kafka-global-setup.ts. */
export function testBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

/**
 * A topic or consumer group name no other test file uses, so files can share one broker and
 * run in parallel without reading each other's messages.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
