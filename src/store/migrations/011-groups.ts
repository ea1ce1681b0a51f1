import type { Migration } from './migration.js';

/**
 * Grouping (issue 17): a notification may carry a group key (`post-7:like`), and the recipient's
 * unread notifications with one key show as one feed item ("Emma and 4 others liked your post").
 *
 * `group_key` is the key as sent. `group_seq` names the feed item a row belongs to: the seq of the
 * first row of its group, fixed when the row is inserted (store/insert-notifications.ts), under
 * the recipient's counter row lock that already numbers the rows, so two batches arriving at once
 * into one group see each other and land in the same item. A row with a key joins the newest group
 * of that key that still has an unread member; when there is none (every member read, archived or
 * snoozed), it starts a new group, a new feed item, whose `group_seq` is its own seq. A row without
 * a key is an item of its own (`group_seq` NULL, its own seq naming it).
 *
 * Nothing else is kept per group: an item's count, unread count, actors and position are read from
 * its rows (store/feed.ts), in the snapshot of the page, so they cannot drift from the rows whatever
 * reads, archives, snoozes, deletes or retention do to them. Existing rows have no key: both
 * columns start NULL, with no rewrite of the table.
 */
export const groups: Migration = {
  version: 11,
  name: 'groups',
  statements: [
    'ALTER TABLE notifications ADD COLUMN group_key text, ADD COLUMN group_seq bigint',

    // What an insert asks per (recipient, key) of its batch: the newest group with an unread member.
    // Only unread rows with a key are in it, however large the inbox.
    `CREATE INDEX notifications_open_group_idx ON notifications (recipient_id, group_key, seq)
       WHERE group_key IS NOT NULL AND read_at IS NULL AND archived_at IS NULL AND snoozed_until IS NULL`,
    // An item's members (its count, actors and newest row), and whether a row is its item's newest.
    `CREATE INDEX notifications_group_members_idx ON notifications (recipient_id, group_seq, seq)
       WHERE group_seq IS NOT NULL`,
  ],
};
