/**
 * Who is subscribed to which topic: the admin's bulk subscribe and unsubscribe, and a topic's
 * subscribers page by page. Checked here, once, for every transport.
 */
import { badInput } from './errors.js';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, type BroadcastProgress, type NotificationStore } from './ports.js';
import { assertTopic, assertUserId, NOTIFICATION_ID_PATTERN } from './validation.js';

/** Users per subscribe or unsubscribe call, as many as a send batch. */
export const TOPIC_USERS_MAX = 1000;

export interface SubscribersPage {
  userIds: string[];
  hasNextPage: boolean;
}

export function createTopics({ store, now = () => new Date() }: { store: NotificationStore; now?: () => Date }) {
  function assertUsers(userIds: readonly string[]): string[] {
    if (userIds.length > TOPIC_USERS_MAX) throw badInput(`at most ${TOPIC_USERS_MAX} users per call`, 'userIds');
    return [...new Set(userIds.map((id) => assertUserId(id, 'userIds')))];
  }

  return {
    /** Subscribes the users that exist; says which ids are no user, so a typo is not lost silently. */
    async subscribe(topic: string, userIds: readonly string[]): Promise<{ added: string[]; unknownUserIds: string[] }> {
      assertTopic(topic);
      const wanted = assertUsers(userIds);
      const added = await store.subscribeToTopic(topic, wanted, now());
      if (added.length === wanted.length) return { added, unknownUserIds: [] };
      const existing = new Set((await store.getUsers(wanted)).map((user) => user.id));
      return { added, unknownUserIds: wanted.filter((id) => !existing.has(id)) };
    },

    async unsubscribe(topic: string, userIds: readonly string[]): Promise<string[]> {
      assertTopic(topic);
      return store.unsubscribeFromTopic(topic, assertUsers(userIds));
    },

    /** Keyset pages in user id order: `after` is the last user id of the page before. */
    async subscribers(topic: string, { first, after }: { first?: number | null; after?: string | null }): Promise<SubscribersPage> {
      assertTopic(topic);
      const size = first ?? PAGE_SIZE_DEFAULT;
      if (!Number.isInteger(size) || size < 0 || size > PAGE_SIZE_MAX) throw badInput(`first must be between 0 and ${PAGE_SIZE_MAX}`, 'first');
      const rows = await store.listTopicSubscribers({ topic, after: after ?? null, first: size + 1 });
      return { userIds: rows.slice(0, size), hasNextPage: rows.length > size };
    },

    /** Null for an id no broadcast can have, as for one not expanded yet. */
    progress: async (broadcastId: string): Promise<BroadcastProgress | null> =>
      NOTIFICATION_ID_PATTERN.test(broadcastId) ? store.broadcastProgress(broadcastId) : null,
  };
}

export type Topics = ReturnType<typeof createTopics>;
