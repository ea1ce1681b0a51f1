/**
 * One window's running figures, live, for admin service tokens (the analytics dashboard): pushed
 * when they change, at most once a second, and the final figures when the window closes, after
 * which the subscription completes. Like every subscription it ends when the token expires and
 * counts in the subscriptions gauge (app/live-streams.ts applies to all of them).
 *
 * It reads the store once a second, the same port `statsSeries` reads, rather than listening to
 * the stats consumer: that consumer may run in another process (ROLE=stats) that has no way to
 * reach this one, and the store is where its figures are committed, whichever process counted
 * them. Admin dashboards are few, so a read a second each costs little; only a change is pushed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { NotificationKind } from '../notifications/notification.js';
import type { SeriesPoint } from '../stats/queries.js';
import { windowEnd, windowStart } from '../windows.js';
import { builder } from './builder.js';
import { NotificationKindRef } from './notification.js';
import { StatsPointRef, StatsWindowRef } from './stats.js';

/** How often each subscription reads its window: also the most often it pushes. */
export const STATS_POLL_MS = 1000;

/**
 * Reads the window every `intervalMs`; yields its figures when they differ from the last ones
 * yielded (the first read always), and ends after yielding a closed window. A failed read is
 * tried again at the next tick (`onError` hears of it), so a store blip does not end a dashboard.
 * Ending it from outside (`return`) wakes the wait at once.
 */
export function watchWindow(read: () => Promise<SeriesPoint>, intervalMs: number, onError: (error: unknown) => void): AsyncIterableIterator<SeriesPoint> {
  const stop = new AbortController();
  async function* poll(): AsyncGenerator<SeriesPoint, undefined> {
    let last: string | null = null;
    while (!stop.signal.aborted) {
      let point: SeriesPoint | null = null;
      try {
        point = await read();
      } catch (error) {
        onError(error);
      }
      if (point) {
        const figures = JSON.stringify(point);
        if (figures !== last) {
          last = figures;
          yield point;
        }
        if (point.closed) return undefined;
      }
      try {
        await sleep(intervalMs, undefined, { signal: stop.signal });
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
  const figures = poll();
  const iterator: AsyncIterableIterator<SeriesPoint> = {
    [Symbol.asyncIterator]: () => iterator,
    next: () => figures.next(),
    return: async () => {
      stop.abort();
      return figures.return(undefined);
    },
  };
  return iterator;
}

builder.subscriptionFields((t) => ({
  statsWindow: t.field({
    type: StatsPointRef,
    description:
      "The running figures of the window holding `at` (default: now), pushed when they change (read each second, so at most once a second), then its final figures when it closes, and the subscription completes. Admin service tokens only.",
    args: {
      window: t.arg({ type: StatsWindowRef, required: true }),
      at: t.arg({ type: 'DateTime', description: 'Any time in the window; default: now.' }),
      kind: t.arg({ type: NotificationKindRef, description: 'One kind only; all kinds when left out.' }),
    },
    authScopes: { admin: true },
    subscribe: (_root, args, ctx) => {
      const start = windowStart(args.window, args.at ?? new Date());
      const end = windowEnd(args.window, start);
      const kind = (args.kind ?? null) as NotificationKind | null;
      const read = async () => {
        const [point] = await ctx.stats.series(args.window, start, end, kind);
        if (!point) throw new Error('the series of one window came back empty');
        return point;
      };
      return watchWindow(read, STATS_POLL_MS, (error) => ctx.log.warn({ err: error }, 'statsWindow: reading the figures failed; trying again in a second'));
    },
    resolve: (point) => point,
  }),
}));
