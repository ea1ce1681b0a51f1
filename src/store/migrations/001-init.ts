import type { Migration } from './migration.js';

/**
 * Users, the inbox and the per-recipient seq counters.
 *
 * No foreign key from notifications to users: events may come from other producers through Kafka,
 * and an inbox must not refuse a notification because its recipient was never seeded here.
 */
export const init: Migration = {
  version: 1,
  name: 'init',
  statements: [
    `CREATE TABLE users (
       id   text PRIMARY KEY,
       name text NOT NULL
     )`,

    // One row per recipient; its row lock serialises writers of that recipient, so seq grows in commit order.
    `CREATE TABLE inbox_counters (
       user_id  text PRIMARY KEY,
       last_seq bigint NOT NULL
     )`,

    `CREATE TABLE notifications (
       id           uuid PRIMARY KEY,
       recipient_id text NOT NULL,
       seq          bigint NOT NULL,
       sender_id    text,
       kind         text NOT NULL,
       message      text NOT NULL,
       link         text,
       data         jsonb,
       created_at   timestamptz NOT NULL,
       read_at      timestamptz,
       archived_at  timestamptz,
       CONSTRAINT notifications_recipient_seq_key UNIQUE (recipient_id, seq)
     )`,

    // The unique (recipient_id, seq) index pages "all statuses"; these partial ones page and count
    // the two views asked for most, unread and the default (not archived), without reading the rest.
    `CREATE INDEX notifications_unread_idx ON notifications (recipient_id, seq)
       WHERE read_at IS NULL AND archived_at IS NULL`,
    `CREATE INDEX notifications_not_archived_idx ON notifications (recipient_id, seq)
       WHERE archived_at IS NULL`,
    `CREATE INDEX notifications_recipient_kind_seq_idx ON notifications (recipient_id, kind, seq)`,
    `CREATE INDEX notifications_created_at_idx ON notifications (created_at)`,
  ],
};
