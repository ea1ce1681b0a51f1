/**
 * A store that may not be reachable yet. The service starts at once and serves what needs no
 * store; every store call answers STORE_UNAVAILABLE until the real store has opened (connected,
 * migrated), which is retried in the background with backoff for as long as it takes. So a
 * restart during a PostgreSQL outage gives a running process with /ready at 503, not an exit.
 */
import pRetry from 'p-retry';
import { BACKOFF } from '../backoff.js';
import { NotifyError, storeUnavailable } from '../notifications/errors.js';
import type { NotificationStore } from '../notifications/ports.js';

export interface StoreWhenReadyOptions {
  open: () => Promise<NotificationStore>;
  /** Runs once on the opened store before it serves (seeding, say). */
  prepare?: (store: NotificationStore) => Promise<void>;
  /** An attempt found the store unreachable; another follows (see BACKOFF). */
  onRetry?: (attempt: number) => void;
}

export function storeWhenReady({ open, prepare = async () => {}, onRetry = () => {} }: StoreWhenReadyOptions) {
  let opened: NotificationStore | null = null;
  let closing = false;
  const stopping = new AbortController();
  let firstDone!: () => void;
  const firstAttempt = new Promise<void>((resolve) => {
    firstDone = resolve;
  });

  const ready: Promise<NotificationStore | null> = pRetry(
    async () => {
      const store = await open();
      await prepare(store);
      opened = store;
      return store;
    },
    {
      ...BACKOFF,
      signal: stopping.signal,
      // Anything but "not reachable" is a fault of ours (a failing migration, say): fatal.
      shouldRetry: ({ error }) => error instanceof NotifyError && error.code === 'STORE_UNAVAILABLE',
      onFailedAttempt: ({ error, attemptNumber }) => {
        if (!(error instanceof NotifyError && error.code === 'STORE_UNAVAILABLE')) return;
        firstDone();
        onRetry(attemptNumber);
      },
    },
  ).catch((error: unknown) => {
    if (closing) return null;
    throw error;
  });
  void ready.then(firstDone, () => firstDone());

  const current = (): NotificationStore => {
    if (!opened) throw storeUnavailable();
    return opened;
  };

  // Every method of the port, forwarded to the opened store; the interface is the contract.
  const store = new Proxy({} as NotificationStore, {
    get: (_target, name: string | symbol) => {
      // Not a thenable, and nothing but the port's own methods.
      if (typeof name !== 'string' || name === 'then') return undefined;
      if (name === 'close') {
        return async () => {
          closing = true;
          stopping.abort();
          await ready.catch(() => null);
          await opened?.close();
        };
      }
      return async (...args: unknown[]) => (current()[name as keyof NotificationStore] as (...args: unknown[]) => unknown)(...args);
    },
  });

  return {
    store,
    /** Resolves once the store serves (null if closed first); rejects on a fault other than an outage. */
    ready,
    /**
     * Resolves after the first attempt, opened or found unreachable; rejects, as `ready` does, on
     * any other fault. Starting waits for this much: a reachable store is then serving already.
     */
    firstAttempt: Promise.race([firstAttempt, ready.then(() => undefined)]),
  };
}
