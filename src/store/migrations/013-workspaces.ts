import type { Migration } from './migration.js';

/**
 * Workspaces (issue 17): a user of a B2B product belongs to workspaces (Knock's and Courier's
 * tenants), and has one inbox in each, besides the inbox outside any workspace they had before.
 *
 * An inbox is now a (recipient, workspace) pair, in every respect an inbox was a recipient: its
 * own counter row (counts and `last_seq`, so seq numbers each inbox from 1 and a feed pages, counts
 * and catches up live on its own rows only, with no gaps left by another workspace's), and its own
 * rows. `workspace_id` is '' outside any workspace (the domain's null): NOT NULL keeps the keys
 * and every equality plain, and every row and counter row stored before is outside any workspace,
 * as it was, with no rewrite of either table (a constant default).
 *
 * The keys and indexes that began with `recipient_id` take `workspace_id` after it, so a feed reads
 * only its workspace's rows however many a user has elsewhere. Stop older instances before it runs
 * (see 002): they would number and count a workspace's rows in the recipient's other inbox.
 */
export const workspaces: Migration = {
  version: 13,
  name: 'workspaces',
  statements: [
    // inbox_counters first, as in 002: ingest takes it before notifications.
    `ALTER TABLE inbox_counters
       ADD COLUMN workspace_id text NOT NULL DEFAULT '',
       DROP CONSTRAINT inbox_counters_pkey,
       ADD CONSTRAINT inbox_counters_pkey PRIMARY KEY (user_id, workspace_id)`,
    `ALTER TABLE notifications
       ADD COLUMN workspace_id text NOT NULL DEFAULT '',
       DROP CONSTRAINT notifications_recipient_seq_key,
       ADD CONSTRAINT notifications_recipient_seq_key UNIQUE (recipient_id, workspace_id, seq)`,

    'DROP INDEX notifications_unread_idx',
    `CREATE INDEX notifications_unread_idx ON notifications (recipient_id, workspace_id, seq)
       WHERE read_at IS NULL AND archived_at IS NULL`,
    'DROP INDEX notifications_not_archived_idx',
    `CREATE INDEX notifications_not_archived_idx ON notifications (recipient_id, workspace_id, seq)
       WHERE archived_at IS NULL`,
    'DROP INDEX notifications_recipient_kind_seq_idx',
    'CREATE INDEX notifications_recipient_kind_seq_idx ON notifications (recipient_id, workspace_id, kind, seq)',
    'DROP INDEX notifications_unseen_idx',
    `CREATE INDEX notifications_unseen_idx ON notifications (recipient_id, workspace_id, seq)
       WHERE seen_at IS NULL AND read_at IS NULL AND archived_at IS NULL`,
    'DROP INDEX notifications_snoozed_idx',
    `CREATE INDEX notifications_snoozed_idx ON notifications (recipient_id, workspace_id, seq)
       WHERE snoozed_until IS NOT NULL AND archived_at IS NULL`,
  ],
};
