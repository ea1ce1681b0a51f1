import { describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/notifications/cursor.js';
import { NotifyError } from '../../src/notifications/errors.js';
import { inboxKey } from '../../src/notifications/inbox-key.js';
import { createLiveFeed, type LiveFeedDeps } from '../../src/notifications/live.js';
import type { Notification } from '../../src/notifications/notification.js';
import type { InboxEvent } from '../../src/notifications/ports.js';
import { stored } from './fixtures.js';

/**
 * A pushable channel like `events.on()`: it buffers what is pushed until read, and `return()`
 * ends it, releasing a pending `next()` with done.
 */
function createChannel<T>() {
  const buffer: T[] = [];
  const waiters: ((result: IteratorResult<T>) => void)[] = [];
  const onWait: (() => void)[] = [];
  let ended = false;
  let returnCalls = 0;
  const iterator: AsyncIterator<T> = {
    next() {
      if (buffer.length > 0) return Promise.resolve({ done: false, value: buffer.shift()! });
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve) => {
        waiters.push(resolve);
        for (const notify of onWait.splice(0)) notify();
      });
    },
    async return() {
      returnCalls += 1;
      ended = true;
      buffer.length = 0;
      for (const resolve of waiters.splice(0)) resolve({ done: true, value: undefined });
      return { done: true, value: undefined };
    },
  };
  return {
    iterator,
    push(value: T) {
      if (ended) return;
      const waiter = waiters.shift();
      if (waiter) waiter({ done: false, value });
      else buffer.push(value);
    },
    /** Resolves once a `next()` is pending, i.e. the reader is waiting for a value. */
    waiting: () => (waiters.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => onWait.push(resolve))),
    get ended() {
      return ended;
    },
    get returnCalls() {
      return returnCalls;
    },
  };
}

const USER = 'bob';

/**
 * A store holding `rows` of USER (any seq order; the test may add more later), and a pub/sub with
 * one channel of inbox events; both log their calls.
 */
function setup(rows: Notification[] = [], storeFails?: Error) {
  const log: string[] = [];
  const events = createChannel<InboxEvent>();
  const storeCalls: { userId: string; afterSeq: number; limit: number }[] = [];
  const store: LiveFeedDeps['store'] = {
    listNotificationsAfter: async (inbox, afterSeq, limit) => {
      const { userId } = inboxKey(inbox);
      log.push(`store:${afterSeq}`);
      storeCalls.push({ userId, afterSeq, limit });
      if (storeFails) throw storeFails;
      return rows
        .filter((row) => row.recipientId === userId && row.seq > afterSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit);
    },
    lastSeqs: async (inboxes) => {
      log.push('lastSeq');
      if (storeFails) throw storeFails;
      return inboxes.map(inboxKey).map(({ userId }) => Math.max(0, ...rows.filter((row) => row.recipientId === userId).map((row) => row.seq)));
    },
  };
  const pubsub: LiveFeedDeps['pubsub'] = {
    subscribeInbox: (inbox) => {
      log.push(`subscribe:${inboxKey(inbox).userId}`);
      return { [Symbol.asyncIterator]: () => events.iterator };
    },
  };
  const live = createLiveFeed({ store, pubsub });
  const channel = {
    ...events,
    /** A notification published live. */
    push: (notification: Notification) => events.push({ userId: USER, action: 'added', notifications: [notification], ids: [notification.id] }),
    /** The pub/sub saying it may have lost events. */
    resync: () => events.push({ userId: USER, action: 'resync', notifications: [], ids: [] }),
    get ended() {
      return events.ended;
    },
    get returnCalls() {
      return events.returnCalls;
    },
  };
  return { live, log, channel, storeCalls, rows };
}

const row = (seq: number) => stored(seq, { recipientId: USER });

/** Reads `count` values from the iterator. */
async function take(iterator: AsyncIterator<Notification>, count: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const next = await iterator.next();
    if (next.done) throw new Error(`the feed ended after ${seqs.length} values`);
    seqs.push(next.value.seq);
  }
  return seqs;
}

describe('createLiveFeed().added', () => {
  it('subscribes at call time, before the store is read', async () => {
    const { live, log, channel } = setup([row(5), row(6)]);
    const feed = live.added(USER, encodeCursor(4));
    expect(log).toEqual([`subscribe:${USER}`]);
    const iterator = feed[Symbol.asyncIterator]();
    expect(await take(iterator, 2)).toEqual([5, 6]);
    expect(log).toEqual([`subscribe:${USER}`, 'store:4']);
    await iterator.return?.();
    expect(channel.ended).toBe(true);
  });

  it('with `after`, replays the stored ones after the cursor in order, then yields live ones', async () => {
    const { live, channel } = setup([row(7), row(3), row(5), row(4), row(6)]);
    const iterator = live.added(USER, encodeCursor(4))[Symbol.asyncIterator]();
    expect(await take(iterator, 3)).toEqual([5, 6, 7]);
    channel.push(row(8));
    channel.push(row(9));
    expect(await take(iterator, 2)).toEqual([8, 9]);
    await iterator.return?.();
  });

  it('drops live ones already replayed, so there is no duplicate at the seam', async () => {
    const { live, channel } = setup([row(5), row(6), row(7)]);
    const iterator = live.added(USER, encodeCursor(4))[Symbol.asyncIterator]();
    // Published while the replay was reading: 6 and 7 are both stored and live.
    channel.push(row(6));
    channel.push(row(7));
    channel.push(row(8));
    expect(await take(iterator, 4)).toEqual([5, 6, 7, 8]);
    // A late duplicate of an already-yielded live one is dropped too.
    channel.push(row(8));
    channel.push(row(9));
    expect(await take(iterator, 1)).toEqual([9]);
    await iterator.return?.();
  });

  it('drops live ones at or before the cursor even when nothing is stored after it', async () => {
    const { live, channel } = setup([row(1), row(2)]);
    const iterator = live.added(USER, encodeCursor(2))[Symbol.asyncIterator]();
    channel.push(row(2));
    channel.push(row(3));
    expect(await take(iterator, 1)).toEqual([3]);
    await iterator.return?.();
  });

  it('replays more than one store page, each read after the last seq it yielded', async () => {
    const rows = Array.from({ length: 450 }, (_, i) => row(i + 1));
    const { live, channel, storeCalls } = setup(rows);
    const iterator = live.added(USER, encodeCursor(0))[Symbol.asyncIterator]();
    const seqs = await take(iterator, 450);
    expect(seqs).toEqual(rows.map((r) => r.seq));
    const limit = storeCalls[0]!.limit;
    expect(limit).toBeGreaterThan(0);
    expect(storeCalls.map((c) => c.afterSeq)).toEqual(Array.from({ length: storeCalls.length }, (_, i) => i * limit));
    expect(storeCalls.every((c) => c.userId === USER)).toBe(true);
    channel.push(row(451));
    expect(await take(iterator, 1)).toEqual([451]);
    await iterator.return?.();
  });

  it('without `after`, reads where the inbox stands, and yields every live one from the first it gets', async () => {
    const { live, log, channel } = setup([row(1), row(2)]);
    const iterator = live.added(USER)[Symbol.asyncIterator]();
    // Stored before the feed read the inbox's position, published after it began listening.
    channel.push(row(2));
    channel.push(row(3));
    expect(await take(iterator, 2)).toEqual([2, 3]);
    expect(log).toEqual([`subscribe:${USER}`, 'lastSeq']);
    await iterator.return?.();
  });

  it('treats an empty `after` as none', async () => {
    const { live, log, channel } = setup([row(1)]);
    const iterator = live.added(USER, '')[Symbol.asyncIterator]();
    channel.push(row(2));
    expect(await take(iterator, 1)).toEqual([2]);
    expect(log).toEqual([`subscribe:${USER}`, 'lastSeq']);
    await iterator.return?.();
  });

  it('without `after`, fills a gap after the first push from the store', async () => {
    const { live, channel, rows } = setup([row(1)]);
    const iterator = live.added(USER)[Symbol.asyncIterator]();
    channel.push(row(2));
    expect(await take(iterator, 1)).toEqual([2]);
    rows.push(row(2), row(3), row(4));
    channel.push(row(4));
    expect(await take(iterator, 2)).toEqual([3, 4]);
    await iterator.return?.();
  });

  it('fills a gap in the live seqs from the store before the newer one, and drops the late ones', async () => {
    const { live, channel, rows, log } = setup([row(1), row(2)]);
    const iterator = live.added(USER, encodeCursor(0))[Symbol.asyncIterator]();
    expect(await take(iterator, 2)).toEqual([1, 2]);
    // 3 and 4 were stored but their pushes were lost; 5 arrives live.
    rows.push(row(3), row(4), row(5));
    channel.push(row(5));
    expect(await take(iterator, 3)).toEqual([3, 4, 5]);
    expect(log.at(-1)).toBe('store:2');
    channel.push(row(4));
    channel.push(row(6));
    expect(await take(iterator, 1)).toEqual([6]);
    await iterator.return?.();
  });

  it('a seq gap the store also has (a deleted row) costs one read and skips nothing', async () => {
    const { live, channel, storeCalls } = setup([row(1), row(2), row(4)]);
    const iterator = live.added(USER, encodeCursor(2))[Symbol.asyncIterator]();
    channel.push(row(4));
    expect(await take(iterator, 1)).toEqual([4]);
    expect(storeCalls.map((call) => call.afterSeq)).toEqual([2]);
    channel.push(row(5));
    expect(await take(iterator, 1)).toEqual([5]);
    await iterator.return?.();
  });

  it('on resync, catches up from the store by itself, with no live event and no client action', async () => {
    const { live, channel, rows } = setup([row(1)]);
    const iterator = live.added(USER)[Symbol.asyncIterator]();
    channel.push(row(2));
    expect(await take(iterator, 1)).toEqual([2]);
    rows.push(row(2), row(3), row(4));
    channel.resync();
    expect(await take(iterator, 2)).toEqual([3, 4]);
    // What arrives live afterwards and was caught up already is not pushed twice.
    channel.push(row(3));
    channel.push(row(5));
    expect(await take(iterator, 1)).toEqual([5]);
    await iterator.return?.();
  });

  it('on resync before any push, a feed without a cursor catches up from where it started', async () => {
    const { live, channel, rows } = setup([row(1), row(2)]);
    const iterator = live.added(USER)[Symbol.asyncIterator]();
    const pending = iterator.next();
    await channel.waiting();
    rows.push(row(3));
    channel.resync();
    expect((await pending).value).toMatchObject({ seq: 3 });
    await iterator.return?.();
  });

  it('ends promptly when return() is called while it waits for a live event, and ends the pub/sub iterator', async () => {
    const { live, channel } = setup([row(5)]);
    const iterator = live.added(USER, encodeCursor(4))[Symbol.asyncIterator]();
    expect(await take(iterator, 1)).toEqual([5]);
    const pending = iterator.next();
    await channel.waiting();
    await expect(iterator.return!()).resolves.toEqual({ done: true, value: undefined });
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    expect(channel.ended).toBe(true);
    expect(channel.returnCalls).toBeGreaterThanOrEqual(1);
    // Once ended, it stays ended even if something is published.
    channel.push(row(6));
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('ends the pub/sub iterator when the reader breaks out of for-await', async () => {
    const { live, channel } = setup();
    channel.push(row(1));
    channel.push(row(2));
    const seen: number[] = [];
    for await (const notification of live.added(USER)) {
      seen.push(notification.seq);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([1, 2]);
    expect(channel.ended).toBe(true);
  });

  it('ends when the pub/sub iterator ends', async () => {
    const { live, channel } = setup();
    const iterator = live.added(USER)[Symbol.asyncIterator]();
    const pending = iterator.next();
    await channel.waiting();
    await channel.iterator.return!();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
  });

  it('ends the pub/sub iterator when the store read fails, and lets the error through', async () => {
    const failure = new Error('database down');
    const { live, channel } = setup([], failure);
    const iterator = live.added(USER, encodeCursor(1))[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBe(failure);
    expect(channel.ended).toBe(true);
  });

  it.each([
    ['a malformed user id', 'not a user', undefined, 'userId'],
    ['a malformed cursor', USER, 'garbage!', 'after'],
  ])('throws BAD_USER_INPUT at once for %s, without subscribing', (_name, userId, after, field) => {
    const { live, log } = setup();
    let caught: unknown;
    try {
      live.added(userId, after);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NotifyError);
    expect(caught).toMatchObject({ code: 'BAD_USER_INPUT', details: { field } });
    expect(log).toEqual([]);
  });
});
