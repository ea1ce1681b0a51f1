/**
 * Time to read, kept per window in an HdrHistogram (hdr-histogram-js, the TypeScript port of
 * Gil Tene's HdrHistogram) and stored as its compressed base64 encoding, so that the figures of a
 * window can be added to after a restart, merged across kinds, and give the same quantiles
 * whatever order the values came in (counts per bucket do not depend on order).
 *
 * Milliseconds, three significant digits: a quantile is within 0.1 % of the true value (exact
 * below 2048 ms), from a millisecond up to any duration (the histogram resizes itself).
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';

const REQUEST = { numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true, bitBucketSize: 32 } as const;

export interface TimeToRead {
  /** Null when nothing was read. */
  medianMs: number | null;
  p90Ms: number | null;
}

export function emptyHistogram(): Histogram {
  return build(REQUEST);
}

export function decodeHistogram(encoded: string | null): Histogram {
  if (!encoded) return emptyHistogram();
  const histogram = decodeFromCompressedBase64(encoded, 32);
  // The encoding keeps the values, not the setting: a decoded histogram must grow as a new one does.
  histogram.autoResize = true;
  return histogram;
}

export const encodeHistogram = (histogram: Histogram): string => encodeIntoCompressedBase64(histogram);

/** Adds durations (negative ones, from clocks apart, count as 0) to an encoded histogram; returns the new encoding. */
export function addTimes(encoded: string | null, timesMs: readonly number[]): string {
  const histogram = decodeHistogram(encoded);
  for (const ms of timesMs) histogram.recordValue(Math.max(0, Math.round(ms)));
  const result = encodeHistogram(histogram);
  histogram.destroy();
  return result;
}

/** Median and p90 of one or more encoded histograms together (a window over every kind). */
export function quantiles(encoded: readonly (string | null)[]): TimeToRead {
  const merged = emptyHistogram();
  for (const one of encoded) {
    if (!one) continue;
    const histogram = decodeHistogram(one);
    merged.add(histogram);
    histogram.destroy();
  }
  const result =
    merged.totalCount === 0 ? { medianMs: null, p90Ms: null } : { medianMs: merged.getValueAtPercentile(50), p90Ms: merged.getValueAtPercentile(90) };
  merged.destroy();
  return result;
}
