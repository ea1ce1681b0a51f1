import type { Migration } from './migration.js';

/**
 * Snooze (issue 17): a notification may leave the feed until a time, then come back.
 *
 * `snoozed_until` is set while it is snoozed, and cleared when it wakes (the service's snooze job,
 * notifications/snooze.ts) or is unsnoozed. A snoozed row is a status of its own, after archived
 * and before read (inbox-counts.ts): neither unread, read nor unseen, so it leaves the feed and
 * both badges, and `snoozed_count` counts it beside the other counts, kept by the same statements.
 * Its read and seen state are kept as they are, so it comes back as it left.
 *
 * No row is snoozed before this migration, so the new count starts at 0 everywhere with no rewrite
 * of the table. Stop older instances before it runs (see 002): they would count a snoozed row as
 * unread.
 */
export const snooze: Migration = {
  version: 7,
  name: 'snooze',
  statements: [
    // inbox_counters first, as in 002 and 004: ingest takes it before notifications.
    'ALTER TABLE inbox_counters ADD COLUMN snoozed_count bigint NOT NULL DEFAULT 0',
    'ALTER TABLE notifications ADD COLUMN snoozed_until timestamptz',

    // What the wake-up walks (`snoozed_until <= now`) and the nearest due time it arms a timer
    // for: the snoozed rows only, however large the inbox.
    'CREATE INDEX notifications_snoozed_until_idx ON notifications (snoozed_until) WHERE snoozed_until IS NOT NULL',
    // The SNOOZED view of one inbox, paged by seq.
    `CREATE INDEX notifications_snoozed_idx ON notifications (recipient_id, seq)
       WHERE snoozed_until IS NOT NULL AND archived_at IS NULL`,
  ],
};
