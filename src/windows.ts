/**
 * Tumbling windows on event time, in UTC: a minute, an hour, a day. Every instant belongs to
 * exactly one window of each size; a window is [start, end). Pure arithmetic on milliseconds
 * (UTC has no daylight saving, and JavaScript time has no leap seconds).
 *
 * A shared helper: the stats consumer's windows (stats/) and the digests' periods
 * (notifications/digests.ts) are the same windows, so they are cut in one place.
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

/**
 * Days in a time zone (digests, issue 17): tumbling like the windows above, but a local day is
 * 23, 24 or 25 hours long, so it is found with Intl rather than by division. Every instant
 * belongs to exactly one local day; it starts at the first instant whose local date is that day
 * (local midnight, or the end of a gap when a zone springs forward at midnight).
 */
const localDates = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date of `ms` in `timeZone`, as a UTC midnight (so dates compare as numbers). */
function localDate(ms: number, timeZone: string): number {
  let format = localDates.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    localDates.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, part.value]));
  return Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day));
}

/** Day starts found, per zone and date: a batch's items mostly share a few (a search is ~27 formats). */
const dayStarts = new Map<string, number>();

/** The start of the local day in `timeZone` (an IANA name) that holds `time`. */
export function localDayStart(time: Date | number, timeZone: string): Date {
  const ms = typeof time === 'number' ? time : time.getTime();
  const day = localDate(ms, timeZone);
  const key = `${timeZone}|${day}`;
  const known = dayStarts.get(key);
  if (known !== undefined && known <= ms) return new Date(known);
  // Zones are within ±14 h of UTC (a little more with seconds in old offsets): the day starts
  // within a day of its UTC midnight. The first instant whose local date is `day`, to the millisecond.
  let before = day - 86_400_000; // local date < day
  let at = ms; // local date is day
  if (localDate(before, timeZone) >= day) before = day - 2 * 86_400_000;
  while (at - before > 1) {
    const middle = before + Math.floor((at - before) / 2);
    if (localDate(middle, timeZone) >= day) at = middle;
    else before = middle;
  }
  if (dayStarts.size >= 10_000) dayStarts.clear();
  dayStarts.set(key, at);
  return new Date(at);
}

/** The start of the local day after the one that starts at `dayStart`. */
export const nextLocalDayStart = (dayStart: Date, timeZone: string): Date =>
  // A local day is 23 to 25 hours long (a few zones once skipped a day: then this is the one after).
  localDayStart(dayStart.getTime() + 26 * 3_600_000, timeZone);
