/**
 * Tumbling windows on event time, in UTC: a minute, an hour, a day. Every instant belongs to
 * exactly one window of each size; a window is [start, end). Pure arithmetic on milliseconds
 * (UTC has no daylight saving, and JavaScript time has no leap seconds).
 */
export const GRANULARITIES = ['minute', 'hour', 'day'] as const;
export type Granularity = (typeof GRANULARITIES)[number];

export const WINDOW_MS: Record<Granularity, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** The start of the window of this size that holds `time`. */
export function windowStart(granularity: Granularity, time: Date | number): Date {
  const ms = typeof time === 'number' ? time : time.getTime();
  const size = WINDOW_MS[granularity];
  return new Date(Math.floor(ms / size) * size);
}

export function windowEnd(granularity: Granularity, start: Date): Date {
  return new Date(start.getTime() + WINDOW_MS[granularity]);
}

/** Whether `time` is the start of a window of this size. */
export const isWindowStart = (granularity: Granularity, time: Date): boolean => time.getTime() % WINDOW_MS[granularity] === 0;

/**
 * A window takes events until its end plus the grace; a watermark at or past that moment closes
 * it. The one rule for "late" (per partition) and for "closed" (every partition).
 */
export const closesAt = (granularity: Granularity, start: Date, graceMs: number): number => start.getTime() + WINDOW_MS[granularity] + graceMs;

export const isClosedBy = (watermark: Date | null, granularity: Granularity, start: Date, graceMs: number): boolean =>
  watermark !== null && watermark.getTime() >= closesAt(granularity, start, graceMs);

/** The end of the newest window of this size that a watermark closes (null: none yet). */
export function lastClosedEnd(granularity: Granularity, watermark: Date | null, graceMs: number): Date | null {
  if (watermark === null) return null;
  // The newest window whose end + grace is at or before the watermark ends at the window boundary at or before watermark − grace.
  return windowStart(granularity, watermark.getTime() - graceMs);
}
