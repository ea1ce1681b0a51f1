/**
 * The statsWindow subscription's source: a read each tick, a push only when the figures changed,
 * the final figures of a closed window and then the end; a failed read tried again; ending it
 * from outside wakes its wait at once.
 */
import { describe, expect, it } from 'vitest';
import { watchWindow } from '../../src/schema/stats-live.js';
import type { SeriesPoint } from '../../src/stats/queries.js';

const point = (sent: number, closed = false): SeriesPoint => ({
  start: new Date('2026-01-01T00:00:00Z'),
  end: new Date('2026-01-01T00:01:00Z'),
  sent,
  read: 0,
  archived: 0,
  readRate: null,
  timeToReadMedianMs: null,
  timeToReadP90Ms: null,
  late: 0,
  closed,
});

/** Answers the reads in turn (an Error is thrown); counts them. */
function reads(answers: (SeriesPoint | Error)[]) {
  const state = { count: 0 };
  const read = () => {
    const answer = answers[Math.min(state.count++, answers.length - 1)]!;
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };
  return { read, state };
}

async function collect(iterator: AsyncIterableIterator<SeriesPoint>): Promise<number[]> {
  const sent: number[] = [];
  for await (const value of iterator) sent.push(value.sent);
  return sent;
}

describe('watchWindow', () => {
  it('pushes the first figures and each change, not a repeat; the closed figures last, then ends', async () => {
    const { read, state } = reads([point(0), point(0), point(2), point(2), point(2), point(3), point(3, true), point(9)]);
    expect(await collect(watchWindow(read, 1, () => {}))).toEqual([0, 2, 3, 3]);
    expect(state.count).toBe(7);
  });

  it('ends at once for a window already closed, with its figures', async () => {
    const { read } = reads([point(5, true)]);
    const values: SeriesPoint[] = [];
    for await (const value of watchWindow(read, 1, () => {})) values.push(value);
    expect(values).toEqual([point(5, true)]);
  });

  it('tries a failed read again at the next tick, telling onError', async () => {
    const failure = new Error('store away');
    const errors: unknown[] = [];
    const { read } = reads([failure, failure, point(1), point(1, true)]);
    expect(await collect(watchWindow(read, 1, (error) => errors.push(error)))).toEqual([1, 1]);
    expect(errors).toEqual([failure, failure]);
  });

  it('ends when returned while it waits for the next tick, without waiting for it', async () => {
    const { read, state } = reads([point(1)]);
    // An hour's tick: were the wait not woken, return() would not settle within the test.
    const iterator = watchWindow(read, 3_600_000, () => {});
    expect((await iterator.next()).value).toEqual(point(1));
    const pending = iterator.next();
    await expect(iterator.return!()).resolves.toEqual({ done: true, value: undefined });
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(state.count).toBe(1);
  });
});
