/**
 * Topic subscriptions and broadcast progress, as every store back-end must keep them. Each case
 * uses topics and users of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationStore } from '../../src/notifications/ports.js';

export interface OpenedTopicStore {
  store: NotificationStore;
  dispose(): Promise<void>;
}

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export function describeTopicStoreContract(name: string, open: () => Promise<OpenedTopicStore>) {
  describe(`${name}: topic subscriptions and broadcast progress`, () => {
    let opened: OpenedTopicStore;
    let store: NotificationStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    }, 60_000);
    afterAll(() => opened?.dispose());

    async function users(count: number): Promise<string[]> {
      const prefix = unique('u');
      // Zero-padded, so user id order is numeric order and pages can be told exactly.
      const ids = Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);
      await store.seedUsers(ids.map((id) => ({ id, name: id })));
      return ids;
    }

    it('subscribes only users that exist, once, and unsubscribes only those subscribed', async () => {
      const topic = unique('post');
      const [a, b] = await users(2);
      const at = new Date();
      expect((await store.subscribeToTopic(topic, [a!, 'nobody-here', b!], at)).toSorted()).toEqual([a, b].toSorted());
      // Again: nothing new.
      expect(await store.subscribeToTopic(topic, [a!, b!], at)).toEqual([]);
      expect(await store.unsubscribeFromTopic(topic, [a!, 'nobody-here'])).toEqual([a]);
      expect(await store.unsubscribeFromTopic(topic, [a!])).toEqual([]);
      expect(await store.listTopicSubscribers({ topic, first: 10 })).toEqual([b]);
    });

    it('pages subscribers in user id order by keyset, with no gap or duplicate, and keeps topics apart', async () => {
      const topic = unique('team');
      const other = unique('team');
      const ids = await users(25);
      await store.subscribeToTopic(topic, ids, new Date());
      await store.subscribeToTopic(other, ids.slice(0, 3), new Date());
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: string[] = await store.listTopicSubscribers({ topic, after, first: 7 });
        seen.push(...page);
        if (page.length < 7) break;
        after = page.at(-1)!;
      }
      expect(seen).toEqual(ids);
      expect(await store.listTopicSubscribers({ topic: other, first: 10 })).toEqual(ids.slice(0, 3));
    });

    it('takes only those subscribed by a given time', async () => {
      const topic = unique('all');
      const [early, late] = await users(2);
      await store.subscribeToTopic(topic, [early!], new Date('2026-01-01T00:00:00Z'));
      await store.subscribeToTopic(topic, [late!], new Date('2026-01-01T00:00:02Z'));
      expect(await store.listTopicSubscribers({ topic, first: 10, subscribedBy: new Date('2026-01-01T00:00:01Z') })).toEqual([early]);
      expect(await store.listTopicSubscribers({ topic, first: 10, subscribedBy: new Date('2026-01-01T00:00:02Z') })).toEqual([early, late]);
    });

    it('records a broadcast\'s progress forwards only, and keeps it done once done', async () => {
      const broadcastId = randomUUID();
      const topic = unique('post');
      expect(await store.broadcastProgress(broadcastId)).toBeNull();
      await store.recordBroadcastProgress({ broadcastId, topic, lastUserId: 'u-0100', recipients: 100, done: false });
      // A stale expander's older page must not rewind it.
      await store.recordBroadcastProgress({ broadcastId, topic, lastUserId: 'u-0050', recipients: 50, done: false });
      expect(await store.broadcastProgress(broadcastId)).toEqual({ broadcastId, topic, lastUserId: 'u-0100', recipients: 100, done: false });
      await store.recordBroadcastProgress({ broadcastId, topic, lastUserId: 'u-0120', recipients: 120, done: true });
      await store.recordBroadcastProgress({ broadcastId, topic, lastUserId: 'u-0130', recipients: 130, done: false });
      expect(await store.broadcastProgress(broadcastId)).toEqual({ broadcastId, topic, lastUserId: 'u-0120', recipients: 120, done: true });
    });
  });
}
