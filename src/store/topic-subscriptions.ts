/**
 * Topic subscriptions and broadcast progress: the store's half of broadcasts. Subscribers are
 * paged by (topic, user_id), the primary key, so reading a page costs the same at the first
 * subscriber and at the 100,000th.
 */
import type { BroadcastProgress, NotificationStore, TopicSubscriberQuery } from '../notifications/ports.js';
import type { SqlQuery } from './sql-client.js';

type TopicStore = Pick<
  NotificationStore,
  'subscribeToTopic' | 'unsubscribeFromTopic' | 'listTopicSubscribers' | 'broadcastProgress' | 'recordBroadcastProgress'
>;

interface ProgressRow {
  id: string;
  topic: string;
  last_user_id: string | null;
  recipients: number;
  completed_at: Date | null;
}

export function topicSubscriptionStore(sql: SqlQuery): TopicStore {
  return {
    async subscribeToTopic(topic, userIds, at) {
      if (userIds.length === 0) return [];
      // Only users that exist: a typo in a bulk list must not subscribe a user nobody can sign in as.
      const rows = await sql.query<{ user_id: string }>(
        `INSERT INTO topic_subscriptions (topic, user_id, subscribed_at)
         SELECT $1, id, $3 FROM users WHERE id = ANY($2::text[])
         ON CONFLICT (topic, user_id) DO NOTHING
         RETURNING user_id`,
        [topic, [...userIds], at.toISOString()],
      );
      return rows.map((row) => row.user_id);
    },

    async unsubscribeFromTopic(topic, userIds) {
      if (userIds.length === 0) return [];
      const rows = await sql.query<{ user_id: string }>(
        'DELETE FROM topic_subscriptions WHERE topic = $1 AND user_id = ANY($2::text[]) RETURNING user_id',
        [topic, [...userIds]],
      );
      return rows.map((row) => row.user_id);
    },

    async listTopicSubscribers({ topic, after, first, subscribedBy }: TopicSubscriberQuery) {
      const rows = await sql.query<{ user_id: string }>(
        `SELECT user_id FROM topic_subscriptions
          WHERE topic = $1 AND ($2::text IS NULL OR user_id > $2) AND ($3::timestamptz IS NULL OR subscribed_at <= $3)
          ORDER BY user_id LIMIT $4`,
        [topic, after ?? null, subscribedBy?.toISOString() ?? null, first],
      );
      return rows.map((row) => row.user_id);
    },

    async broadcastProgress(broadcastId) {
      const [row] = await sql.query<ProgressRow>(
        'SELECT id, topic, last_user_id, recipients, completed_at FROM broadcasts WHERE id = $1::uuid',
        [broadcastId],
      );
      if (!row) return null;
      return { broadcastId: row.id, topic: row.topic, lastUserId: row.last_user_id, recipients: Number(row.recipients), done: row.completed_at !== null };
    },

    async recordBroadcastProgress({ broadcastId, topic, lastUserId, recipients, done }: BroadcastProgress) {
      // Never backwards: a stale expander (one that lost its partition mid-page) must not rewind a newer one's progress.
      await sql.query(
        `INSERT INTO broadcasts AS b (id, topic, last_user_id, recipients, completed_at, updated_at)
         VALUES ($1::uuid, $2, $3, $4, CASE WHEN $5::boolean THEN now() END, now())
         ON CONFLICT (id) DO UPDATE SET
           last_user_id = EXCLUDED.last_user_id,
           recipients   = EXCLUDED.recipients,
           completed_at = COALESCE(b.completed_at, EXCLUDED.completed_at),
           updated_at   = now()
         WHERE b.completed_at IS NULL AND b.recipients <= EXCLUDED.recipients`,
        [broadcastId, topic, lastUserId, recipients, done],
      );
    },
  };
}
