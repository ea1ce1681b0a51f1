/**
 * One log line when a part (Kafka, Redis, …) goes away and one when it is back, instead of one per
 * failed call: under load an outage fails hundreds of calls a second, and a warn line for each
 * buried everything else (issue 15: 7,771 lines for a 10 s broker outage). Failures in between are
 * only counted, and the "back" line carries the counts; metrics carry the rates.
 */
import type { Logger } from './logger.js';

export interface OutageAttempt {
  /** This call failed; `items` is what it carried (notifications, messages), 1 by default. */
  failed(error: unknown, items?: number): void;
  succeeded(): void;
}

export interface OutageLog extends OutageAttempt {
  /**
   * Marks when a call began, for calls that overlap: a call that began before the part last went
   * away or came back reports news older than that change, so it counts but never flips the
   * state. Without this, calls stuck through an outage fail just after the part is back and log
   * it away again.
   */
  attempt(): OutageAttempt;
  readonly isDown: boolean;
}

export interface OutageLogOptions {
  /** A monotonic clock in milliseconds. */
  now?: () => number;
}

interface Outage {
  since: number;
  failedAttempts: number;
  failedItems: number;
  lastError: unknown;
}

export function createOutageLog(log: Logger, part: string, { now = () => performance.now() }: OutageLogOptions = {}): OutageLog {
  let down: Outage | null = null;
  // When the state last changed; -Infinity so that the first report always counts.
  let changedAt = Number.NEGATIVE_INFINITY;

  function failed(startedAt: number, error: unknown, items = 1) {
    if (down) {
      down.failedAttempts += 1;
      down.failedItems += items;
      down.lastError = error;
      return;
    }
    // Up since after this call began: its failure belongs to an outage already over.
    if (startedAt < changedAt) return;
    changedAt = now();
    down = { since: changedAt, failedAttempts: 1, failedItems: items, lastError: error };
    log.warn({ err: error, outage: part }, `${part} is unavailable; further failures are only counted until it is back`);
  }

  function succeeded(startedAt: number) {
    if (!down || startedAt < changedAt) return;
    const { since, failedAttempts, failedItems, lastError } = down;
    down = null;
    changedAt = now();
    log.info(
      { outage: part, downMs: Math.round(changedAt - since), failedAttempts, failedItems, lastError: lastError instanceof Error ? lastError.message : String(lastError) },
      `${part} is back`,
    );
  }

  return {
    failed: (error, items) => failed(now(), error, items),
    succeeded: () => succeeded(now()),
    attempt() {
      const startedAt = now();
      return { failed: (error, items) => failed(startedAt, error, items), succeeded: () => succeeded(startedAt) };
    },
    get isDown() {
      return down !== null;
    },
  };
}
