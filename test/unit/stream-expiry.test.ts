/**
 * Issue 15, §3.3: a stream whose token has already expired when it starts (a token let in within
 * the clock tolerance) passes nothing through, not even values its source has ready at once, as
 * a replay of the stored history would be; its first and only value is the expiry.
 */
import { describe, expect, it, vi } from 'vitest';
import { untilExpiry } from '../../src/app/live-streams.js';

/** A source with its whole "history" ready at once, that counts what was read from it and whether it was ended. */
function replaying(history: number[]) {
  const state = { read: 0, returned: false };
  // Typed with the expiry value too, so the stream's values are either.
  const source: AsyncIterable<number | 'expired'> = {
    [Symbol.asyncIterator]: () => ({
      next: () => {
        if (state.read < history.length) return Promise.resolve({ done: false, value: history[state.read++]! });
        return new Promise<IteratorResult<number>>(() => {});
      },
      return: () => {
        state.returned = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  return { source, state };
}

describe('untilExpiry, for a token already expired at the start', () => {
  it.each([
    ['expired a second ago', -1_000],
    ['expiring this very millisecond', 0],
  ])('%s: yields the expiry first, reads nothing from the source, ends it and runs onEnd once', async (_name, offsetMs) => {
    const { source, state } = replaying([1, 2, 3]);
    const onEnd = vi.fn();
    const stream = untilExpiry(source, new Date(Date.now() + offsetMs), () => 'expired' as const, onEnd);
    expect(await stream.next()).toEqual({ done: false, value: 'expired' });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(state.read).toBe(0);
    expect(state.returned).toBe(true);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('a token still valid gets the history as before', async () => {
    const { source, state } = replaying([1, 2]);
    const stream = untilExpiry(source, new Date(Date.now() + 60_000), () => 'expired' as const, () => {});
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    expect(await stream.next()).toEqual({ done: false, value: 2 });
    expect(state.read).toBe(2);
    await stream.return(undefined);
  });
});
