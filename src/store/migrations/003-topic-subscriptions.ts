import type { Migration } from './migration.js';

/**
 * Topics users are subscribed to (`post-7`, `team-12`, `all`), and how far each broadcast's
 * expansion got.
 *
 * Subscribers are read in pages of (topic, user_id), the primary key's order, so a broadcast to
 * 100,000 of them never holds them all; `subscribed_at` lets an expansion take only those who were
 * subscribed when the broadcast was sent, whenever it runs (also when it resumes after a crash).
 * The user_id index answers "which topics is this user in" and unsubscribing a user everywhere.
 *
 * A broadcast's progress row is written after each page of its per-recipient events was
 * acknowledged by Kafka: a resumed expansion starts after `last_user_id`, and the page that was
 * in flight at a crash is produced again with the same derived ids, which the inbox stores once.
 */
export const topicSubscriptions: Migration = {
  version: 3,
  name: 'topic-subscriptions',
  statements: [
    `CREATE TABLE topic_subscriptions (
       topic         text NOT NULL,
       user_id       text NOT NULL,
       subscribed_at timestamptz NOT NULL,
       PRIMARY KEY (topic, user_id)
     )`,
    'CREATE INDEX topic_subscriptions_user_idx ON topic_subscriptions (user_id)',

    `CREATE TABLE broadcasts (
       id           uuid PRIMARY KEY,
       topic        text NOT NULL,
       last_user_id text,
       recipients   bigint NOT NULL DEFAULT 0,
       completed_at timestamptz,
       updated_at   timestamptz NOT NULL
     )`,
  ],
};
