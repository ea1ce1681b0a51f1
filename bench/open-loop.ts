/**
 * An open-loop load at a fixed rate: send n is due at start + n / rate whatever the earlier sends
 * did, and its latency counts from that due time, not from when it actually left. A closed loop
 * (or an open one timed from the actual send) stops sending while the server stalls and so never
 * records the stall's queue ("coordinated omission"); this one records it. Latencies go into an
 * HDR histogram in microseconds.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { build, type Histogram } from 'hdr-histogram-js';
import { wallClockMs } from './stats.js';

export interface OpenLoopOptions {
  ratePerSecond: number;
  /** Sends before the measured ones, on the same timetable; their latencies are not recorded. */
  warmup: number;
  measured: number;
  /** After the last due time, whatever has not arrived within this is lost. */
  drainMs: number;
  /** A send due while this many are unanswered is not made (and its notification is lost). */
  maxInFlight: number;
  /** Sends number `n`; the arrival is reported through the `arrived` of the returned handle. */
  send(n: number): Promise<void>;
}

export interface OpenLoopResult {
  /** Latency from the due time to the arrival, in µs, of the measured sends that arrived. */
  histogram: Histogram;
  measured: number;
  arrived: number;
  lost: number;
  failedSends: number;
  skippedSends: number;
  /** How late the last send left after its due time: the generator keeping up (or not). */
  maxSendLagMs: number;
}

export function histogramUs(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

/**
 * The percentile distribution of `histogram` as [percentile, ms] points, spaced evenly in
 * 1 / (1 − percentile) (10 per decade), as HdrHistogram's plots draw it, up to its max.
 */
export function percentileCurve(histogram: Histogram): [number, number][] {
  const points: [number, number][] = [];
  if (histogram.totalCount === 0) return points;
  // Beyond 1 / totalCount nothing more is resolved: the rest of the curve is the max.
  const decades = Math.log10(histogram.totalCount);
  for (let step = 0; step / 10 <= decades; step += 1) {
    const percentile = 100 * (1 - 10 ** (-step / 10));
    points.push([percentile, histogram.getValueAtPercentile(percentile) / 1000]);
  }
  points.push([100 * (1 - 10 ** -decades), histogram.maxValue / 1000]);
  return points;
}

/** Runs the load; `arrived(n, at)` is to be called by the receiving side with wallClockMs(). */
export function openLoop(options: OpenLoopOptions): { arrived(n: number, at: number): void; run(): Promise<OpenLoopResult> } {
  const total = options.warmup + options.measured;
  const intervalMs = 1000 / options.ratePerSecond;
  const histogram = histogramUs();
  const due = new Float64Array(total);
  const done = new Uint8Array(total);
  let start = 0;
  let arrivedMeasured = 0;
  let wake: (() => void) | undefined;
  return {
    arrived(n, at) {
      if (n < 0 || n >= total || done[n] === 1 || start === 0) return;
      done[n] = 1;
      if (n < options.warmup) return;
      histogram.recordValue(Math.max(1, Math.round((at - due[n]!) * 1000)));
      arrivedMeasured += 1;
      if (arrivedMeasured === options.measured) wake?.();
    },
    async run() {
      let inFlight = 0;
      let failedSends = 0;
      let skippedSends = 0;
      let maxSendLagMs = 0;
      start = wallClockMs() + 20;
      for (let n = 0; n < total; n += 1) due[n] = start + n * intervalMs;
      let next = 0;
      // Bounded by the timetable: the loop ends at the last due time whatever the sends do.
      while (next < total) {
        const now = wallClockMs();
        while (next < total && due[next]! <= now) {
          const n = next;
          next += 1;
          maxSendLagMs = Math.max(maxSendLagMs, now - due[n]!);
          if (inFlight >= options.maxInFlight) {
            skippedSends += 1;
            continue;
          }
          inFlight += 1;
          options.send(n).then(
            () => {
              inFlight -= 1;
            },
            () => {
              inFlight -= 1;
              failedSends += 1;
            },
          );
        }
        if (next < total) await delay(Math.max(0, Math.min(1, due[next]! - wallClockMs())));
      }
      const deadline = due[total - 1]! + options.drainMs;
      if (arrivedMeasured < options.measured) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.max(0, deadline - wallClockMs()));
        });
        clearTimeout(timer);
      }
      // Late arrivals no longer count: the figure is fixed at the deadline.
      const arrived = arrivedMeasured;
      start = 0;
      return { histogram, measured: options.measured, arrived, lost: options.measured - arrived, failedSends, skippedSends, maxSendLagMs };
    },
  };
}
