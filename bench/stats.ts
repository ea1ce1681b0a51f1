/** Timing, percentiles and a bounded-concurrency runner: the arithmetic every figure shares. */
import { setTimeout as delay } from 'node:timers/promises';

/** Milliseconds on a clock that both the bench and its server process read (epoch based, sub-ms). */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Nearest-rank percentile (p in 0..100) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1]!;
}

export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
}

export function distribution(samples: readonly number[]): Distribution {
  return {
    count: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/**
 * Runs `task(0)` … `task(total - 1)` with at most `concurrency` in flight; resolves with the
 * elapsed milliseconds. The first failure stops handing out work and is rethrown.
 */
export async function runConcurrently(total: number, concurrency: number, task: (index: number) => Promise<void>): Promise<number> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const started = performance.now();
  const worker = async () => {
    while (failure === undefined && next < total) {
      const index = next;
      next += 1;
      try {
        await task(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  if (failure !== undefined) throw failure.error;
  return performance.now() - started;
}

/** Polls `check` every `intervalMs` until it returns true; fails after `timeoutMs` with `what`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, { timeoutMs = 60_000, intervalMs = 50 } = {}): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/** Resolves with `promise`, or fails with `what` after `ms`; leaves no timer behind. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const round = (value: number, digits = 2): number => {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
};
