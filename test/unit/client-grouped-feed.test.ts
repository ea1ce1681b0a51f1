/** The grouped feed's merging of pushes and reads (packages/client/src/grouped-feed.ts), with plain values. */
import { describe, expect, it } from 'vitest';
import { withPushed, withReread } from '../../packages/client/src/grouped-feed.js';
import type { FeedItem } from '../../packages/client/src/operations.js';

/** An item whose newest notification has `seq`; `count` and `unreadCount` tell versions apart. */
const item = (id: string, seq: number, count = 1, unreadCount = count): FeedItem =>
  ({ id, groupKey: 'post-7:like', count, unreadCount, actorCount: count, actors: [], createdAt: '', updatedAt: '', latest: { seq } }) as unknown as FeedItem;

const shown = (items: FeedItem[]) => items.map((entry) => [entry.id, entry.latest.seq, entry.count, entry.unreadCount]);

describe('grouped feed: a push', () => {
  it('moves its item to the top with what it now says, once', () => {
    const items = [item('b', 9), item('a', 5, 3)];
    expect(shown(withPushed(items, item('a', 12, 4), false))).toEqual([
      ['a', 12, 4, 4],
      ['b', 9, 1, 1],
    ]);
  });

  it('is ignored when it is not newer than the item shown (a read after it already counted it)', () => {
    const items = [item('a', 12, 4, 0)];
    expect(withPushed(items, item('a', 12, 4, 4), false)).toBe(items);
    expect(withPushed(items, item('a', 11, 3, 3), false)).toBe(items);
  });

  it('of an item older than every loaded one is left to paging while pages remain', () => {
    const items = [item('b', 9), item('c', 7)];
    expect(withPushed(items, item('z', 3), true)).toBe(items);
    expect(shown(withPushed(items, item('z', 3), false)).map((entry) => entry[0])).toEqual(['b', 'c', 'z']);
  });
});

describe('grouped feed: a read again', () => {
  it('takes the read, except where a push brought a newer version meanwhile', () => {
    const items = [item('a', 12, 4), item('b', 9, 2, 2)];
    const read = [item('b', 9, 2, 0), item('a', 10, 3, 0)];
    expect(shown(withReread(items, read, false))).toEqual([
      ['a', 12, 4, 4],
      ['b', 9, 2, 0],
    ]);
  });

  it('wins a tie: it was made after the change that asked for it', () => {
    expect(shown(withReread([item('a', 12, 4, 4)], [item('a', 12, 4, 0)], false))).toEqual([['a', 12, 4, 0]]);
  });

  it('drops an item it no longer has (archived, read away), but keeps one pushed after it or beyond its range', () => {
    const items = [item('new', 20), item('gone', 8), item('old', 2)];
    const read = [item('kept', 15), item('other', 5)];
    expect(shown(withReread(items, read, true)).map((entry) => entry[0])).toEqual(['new', 'kept', 'other', 'old']);
    expect(shown(withReread(items, read, false)).map((entry) => entry[0])).toEqual(['new', 'kept', 'other']);
  });
});
