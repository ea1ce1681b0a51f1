// Kafka is ready when a client can use it, not when its port opens: the readiness test is the
// smallest real request, listing topics through an admin client.
import { Kafka, logLevel } from 'kafkajs';

export async function canListTopics(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'local-broker-readiness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 2_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
