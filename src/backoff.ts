/**
 * How the service waits for a part that is away (the store or the brokers at start, a consumer
 * kafkajs gave up on): retried for as long as it takes, doubling from half a second to ten, so a
 * part back soon is used soon and a long outage costs one attempt every ten seconds. p-retry's
 * options, shared so every such loop backs off alike.
 */
import type { Options } from 'p-retry';

export const BACKOFF = {
  retries: Number.POSITIVE_INFINITY,
  minTimeout: 500,
  maxTimeout: 10_000,
  factor: 2,
} as const satisfies Options;

/**
 * p-retry gives up at once on a TypeError (a programming error in most code), but a client library
 * failing mid-connection can throw one too (kafkajs reading a broker that just died): for a part
 * that is away, every failure is worth another attempt, so it is passed on as a plain Error.
 */
export function retryingEveryError<T>(attempt: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      return await attempt();
    } catch (error) {
      throw error instanceof TypeError ? new Error(error.message, { cause: error }) : error;
    }
  };
}
