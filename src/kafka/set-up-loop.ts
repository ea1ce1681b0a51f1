/**
 * Setting a Kafka part up (topics, then producers and consumers) for as long as it takes: tried
 * with the service's backoff until it succeeds or the part is stopped, so a process started while
 * the brokers are away serves what it can and joins when they answer.
 */
import type { Kafka } from 'kafkajs';
import pRetry from 'p-retry';
import { BACKOFF, retryingEveryError } from '../backoff.js';
import type { Logger } from '../logger.js';
import { ensureTopics, type TopicOptions } from './topics.js';

/** Creates the topics that are missing, with an admin client of few retries: the loop below retries with its own backoff, and the first failure should show soon. */
export async function setUpTopics(kafka: Kafka, options: TopicOptions): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 200 } });
  await admin.connect();
  try {
    await ensureTopics(admin, options);
  } finally {
    await admin.disconnect();
  }
}

/** `retrying`: the warning each failed attempt logs. */
export function setUpLoop(setUp: () => Promise<void>, { log, retrying }: { log: Logger; retrying: string }) {
  let stopped = false;
  const stopping = new AbortController();
  let loop: Promise<void> | null = null;
  return {
    /** Resolves when set up, or at the first failure (the loop then goes on in the background). */
    start(): Promise<void> {
      return new Promise<void>((resolve) => {
        loop = pRetry(retryingEveryError(setUp), {
          ...BACKOFF,
          signal: stopping.signal,
          onFailedAttempt: ({ error, attemptNumber }) => {
            if (attemptNumber === 1) resolve();
            log.warn({ err: error, attempt: attemptNumber }, retrying);
          },
        })
          .catch((error: unknown) => {
            if (!stopped) throw error;
          })
          .then(resolve);
      });
    },
    /** Ends the loop; what was set up is the caller's to stop. */
    async stop() {
      stopped = true;
      stopping.abort();
      await loop?.catch(() => {});
    },
  };
}
