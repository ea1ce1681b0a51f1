/** One idempotent shutdown: parts stop in the reverse order of their start, each bounded in time. */
import pTimeout from 'p-timeout';
import type { Logger } from './logger.js';

export function createShutdown(log: Logger, { partTimeoutMs = 20_000 } = {}) {
  const parts: { name: string; stop: () => Promise<void> }[] = [];
  let running: Promise<void> | null = null;

  async function stopAll() {
    for (const { name, stop } of parts.reverse()) {
      try {
        await pTimeout(stop(), { milliseconds: partTimeoutMs, message: `did not stop within ${partTimeoutMs} ms` });
        log.debug({ part: name }, 'stopped');
      } catch (error) {
        log.error({ err: error, part: name }, 'failed to stop cleanly');
      }
    }
  }

  return {
    add(name: string, stop: () => Promise<void>) {
      parts.push({ name, stop });
    },
    run(): Promise<void> {
      running ??= stopAll();
      return running;
    },
  };
}

export type Shutdown = ReturnType<typeof createShutdown>;
