/**
 * The pieces that bound long-lived streams: `untilExpiry` (a stream that ends itself when its
 * token expires), `atTime` (a timer that also works weeks ahead) and the per-caller stream counter.
 * Time is vitest's fake clock throughout.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { atTime, createStreamCounter, untilExpiry } from '../../src/app/live-streams.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
const EXPIRED = 'expired' as const;
type Item = number | typeof EXPIRED;

/**
 * A source the test drives: `push` a value, `finish` it; `next()` waits for the next value. It
 * records how often it was ended from outside.
 */
function controlledSource<T>() {
  const queue: IteratorResult<T, undefined>[] = [];
  const waiting: ((result: IteratorResult<T, undefined>) => void)[] = [];
  let returned = 0;
  const deliver = (result: IteratorResult<T, undefined>) => {
    const waiter = waiting.shift();
    if (waiter) waiter(result);
    else queue.push(result);
  };
  const iterator: AsyncIterator<T, undefined> = {
    next: () => {
      const ready = queue.shift();
      return ready ? Promise.resolve(ready) : new Promise((resolve) => waiting.push(resolve));
    },
    return: async () => {
      returned += 1;
      // Ending releases anyone waiting, as a real generator or pub/sub iterator does.
      for (const waiter of waiting.splice(0)) waiter({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  return {
    source: { [Symbol.asyncIterator]: () => iterator } satisfies AsyncIterable<T>,
    push: (value: T) => deliver({ done: false, value }),
    finish: () => deliver({ done: true, value: undefined }),
    get returned() {
      return returned;
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
});

const inMs = (ms: number) => new Date(Date.now() + ms);

describe('untilExpiry', () => {
  it('passes the source through, in order, while the token is valid', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(60_000), () => EXPIRED, onEnd);
    src.push(1);
    src.push(2);
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    expect(await stream.next()).toEqual({ done: false, value: 2 });
    const pending = stream.next();
    src.push(3);
    expect(await pending).toEqual({ done: false, value: 3 });
    expect(onEnd).not.toHaveBeenCalled();
    expect(src.returned).toBe(0);
  });

  it('at expiry yields the expired value once while waiting for the source, then ends it all', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(5_000), () => EXPIRED, onEnd);
    src.push(1);
    expect(await stream.next()).toEqual({ done: false, value: 1 });

    const pending = stream.next();
    let settled = false;
    void pending.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toEqual({ done: false, value: EXPIRED });
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(src.returned).toBe(1);

    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    // Whatever the source still had is not passed on.
    src.push(2);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(await stream.return(undefined)).toEqual({ done: true, value: undefined });
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(src.returned).toBe(1);
  });

  it('ended from outside while a read waits, answers that read at once, even from a source that never answers it', async () => {
    // An async generator's return() queues behind its pending next(): it would answer neither.
    const pendingForever: AsyncIterable<Item> = {
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Item>>(() => {}), return: async () => ({ done: true, value: undefined }) }),
    };
    const onEnd = vi.fn();
    const stream = untilExpiry(pendingForever, inMs(60_000), () => EXPIRED, onEnd);
    const waiting = stream.next();
    expect(await stream.return(undefined)).toEqual({ done: true, value: undefined });
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('after 1,000 values passed it still holds just its one expiry timer, which still ends it', async () => {
    const src = controlledSource<Item>();
    const stream = untilExpiry(src.source, inMs(60_000), () => EXPIRED, () => {});
    for (let i = 0; i < 1_000; i += 1) {
      src.push(i);
      expect(await stream.next()).toEqual({ done: false, value: i });
    }
    expect(vi.getTimerCount()).toBe(1);
    const pending = stream.next();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(await pending).toEqual({ done: false, value: EXPIRED });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('after expiry passed unobserved, the next read is the expired value, not a value the source had ready', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(1_000), () => EXPIRED, onEnd);
    await vi.advanceTimersByTimeAsync(2_000);
    src.push(1);
    expect(await stream.next()).toEqual({ done: false, value: EXPIRED });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(src.returned).toBe(1);
  });

  it('with an expiry already past, yields only the expired value', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(-1_000), () => EXPIRED, onEnd);
    const first = stream.next();
    await vi.advanceTimersByTimeAsync(0);
    expect(await first).toEqual({ done: false, value: EXPIRED });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('ended by return(): ends the source, calls onEnd once, and never yields the expired value later', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const expired = vi.fn(() => EXPIRED);
    const stream = untilExpiry(src.source, inMs(5_000), expired, onEnd);
    src.push(1);
    expect(await stream.next()).toEqual({ done: false, value: 1 });

    expect(await stream.return(undefined)).toEqual({ done: true, value: undefined });
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(src.returned).toBe(1);
    expect(await stream.return(undefined)).toEqual({ done: true, value: undefined });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(expired).not.toHaveBeenCalled();
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(src.returned).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ended by return() while a read is pending: the read ends too', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(5_000), () => EXPIRED, onEnd);
    const pending = stream.next();
    await stream.return(undefined);
    expect(await pending).toEqual({ done: true, value: undefined });
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('ended by the source: done, onEnd once, the timer cancelled', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const expired = vi.fn(() => EXPIRED);
    const stream = untilExpiry(src.source, inMs(5_000), expired, onEnd);
    src.push(1);
    src.finish();
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    await stream.return(undefined);
    expect(expired).not.toHaveBeenCalled();
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('ended by throw(): ends the source, calls onEnd once, and rethrows', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(5_000), () => EXPIRED, onEnd);
    const boom = new Error('boom');
    await expect(stream.throw(boom)).rejects.toBe(boom);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(src.returned).toBe(1);
    await stream.return(undefined);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('calls onEnd once when return() is called twice at once', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(5_000), () => EXPIRED, onEnd);
    await Promise.all([stream.return(undefined), stream.return(undefined)]);
    expect(onEnd).toHaveBeenCalledTimes(1);
    expect(src.returned).toBe(1);
  });

  it('never expires without an expiry date', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, null, () => EXPIRED, onEnd);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(365 * 24 * 3600 * 1000);
    src.push(7);
    expect(await stream.next()).toEqual({ done: false, value: 7 });
    expect(onEnd).not.toHaveBeenCalled();
    await stream.return(undefined);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });

  it('is its own async iterator, usable with for await', async () => {
    const src = controlledSource<Item>();
    const onEnd = vi.fn();
    const stream = untilExpiry(src.source, inMs(5_000), () => -1, onEnd);
    expect(stream[Symbol.asyncIterator]()).toBe(stream);
    src.push(1);
    src.push(2);
    const seen: Item[] = [];
    for await (const value of stream) {
      seen.push(value);
      if (seen.length === 2) void vi.advanceTimersByTimeAsync(5_000);
    }
    expect(seen).toEqual([1, 2, -1]);
    expect(onEnd).toHaveBeenCalledTimes(1);
  });
});

describe('atTime', () => {
  it('calls at the given time, not before, and once', () => {
    const fn = vi.fn();
    atTime(inMs(1_500), fn);
    vi.advanceTimersByTime(1_499);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(10_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('calls at once (on the next turn) for a time already past', () => {
    const fn = vi.fn();
    atTime(inMs(-60_000), fn);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(0);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('does not call once cancelled', () => {
    const fn = vi.fn();
    const cancel = atTime(inMs(1_000), fn);
    cancel();
    vi.advanceTimersByTime(5_000);
    expect(fn).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it.each([
    ['just over the timer limit', MAX_TIMER_MS + 1],
    ['30 days ahead', 30 * 24 * 3600 * 1000],
    ['a year ahead', 365 * 24 * 3600 * 1000],
  ])('for a time %s, does not fire early and fires at that time', (_name, aheadMs) => {
    const fn = vi.fn();
    atTime(inMs(aheadMs), fn);
    vi.advanceTimersByTime(1);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(aheadMs - 2);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(MAX_TIMER_MS * 2);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('for a time 40 days ahead, is cancelled by its cancel function after it re-armed', () => {
    const fn = vi.fn();
    const cancel = atTime(inMs(40 * 24 * 3600 * 1000), fn);
    vi.advanceTimersByTime(MAX_TIMER_MS + 1000);
    expect(fn).not.toHaveBeenCalled();
    cancel();
    vi.advanceTimersByTime(40 * 24 * 3600 * 1000);
    expect(fn).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('leaves no timer that would keep the process alive', () => {
    const unref = vi.fn();
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      const timer = realSetTimeout(fn, ms);
      const original = timer.unref.bind(timer);
      timer.unref = () => {
        unref();
        return original();
      };
      return timer;
    }) as typeof setTimeout);
    try {
      const cancel = atTime(inMs(60 * 24 * 3600 * 1000), () => {});
      expect(unref).toHaveBeenCalledTimes(1);
      for (const [, ms] of spy.mock.calls) expect(ms).toBeLessThanOrEqual(MAX_TIMER_MS);
      cancel();
    } finally {
      spy.mockRestore();
    }
  });
});

describe('createStreamCounter', () => {
  it('admits up to the limit per key, then refuses', () => {
    const streams = createStreamCounter(2);
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(false);
    expect(streams.acquire('user:1')).toBe(false);
  });

  it('counts each key apart', () => {
    const streams = createStreamCounter(1);
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:2')).toBe(true);
    expect(streams.acquire('service:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(false);
    expect(streams.acquire('user:2')).toBe(false);
  });

  it('frees a slot on release', () => {
    const streams = createStreamCounter(2);
    streams.acquire('user:1');
    streams.acquire('user:1');
    streams.release('user:1');
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(false);
    streams.release('user:1');
    streams.release('user:1');
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(false);
  });

  it('never grants more than the limit, however often a key is released', () => {
    const streams = createStreamCounter(2);
    streams.release('user:1');
    streams.release('user:1');
    streams.acquire('user:1');
    streams.release('user:1');
    streams.release('user:1');
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(true);
    expect(streams.acquire('user:1')).toBe(false);
  });
});
