import type { Migration } from './migration.js';

/**
 * Per-recipient counts by status, so `unreadCount` and `totalCount` read one row instead of
 * counting the inbox. They sit beside `last_seq` on the recipient's existing counter row: every
 * ingest already holds that row's lock, so counting what it inserted takes no further lock, and
 * there is one row per recipient to keep, not two.
 *
 * Every statement that changes notifications adjusts these in the same statement (see
 * `inbox-counts.ts`). Code older than this migration changes rows without counting them: stop
 * older instances before it runs, as for any schema change they do not know.
 */
export const inboxCounts: Migration = {
  version: 2,
  name: 'inbox-counts',
  statements: [
    // First, so that ingest (which takes this table first) is held here before the table below is locked.
    `ALTER TABLE inbox_counters
       ADD COLUMN unread_count   bigint NOT NULL DEFAULT 0,
       ADD COLUMN read_count     bigint NOT NULL DEFAULT 0,
       ADD COLUMN archived_count bigint NOT NULL DEFAULT 0`,

    // No writer may change a row between the count below and this transaction's commit.
    'LOCK TABLE notifications IN SHARE MODE',

    // Upsert, not update: a recipient without a counter row is counted too (none should exist, as
    // every insert creates one and nothing removes it), and its numbering resumes above its rows.
    `INSERT INTO inbox_counters AS c (user_id, last_seq, unread_count, read_count, archived_count)
     SELECT recipient_id,
            max(seq),
            count(*) FILTER (WHERE read_at IS NULL AND archived_at IS NULL),
            count(*) FILTER (WHERE read_at IS NOT NULL AND archived_at IS NULL),
            count(*) FILTER (WHERE archived_at IS NOT NULL)
       FROM notifications
      GROUP BY recipient_id
     ON CONFLICT (user_id) DO UPDATE SET
       last_seq       = GREATEST(c.last_seq, EXCLUDED.last_seq),
       unread_count   = EXCLUDED.unread_count,
       read_count     = EXCLUDED.read_count,
       archived_count = EXCLUDED.archived_count`,
  ],
};
