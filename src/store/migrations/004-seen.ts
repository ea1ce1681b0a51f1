import type { Migration } from './migration.js';

/**
 * Seen, the state between unseen and read (as Knock and MagicBell have it): the bell counts the
 * unseen, the feed the unread. A row is seen once the feed was shown to its recipient
 * (`seen_at`), and also once it was read or archived: read and archive imply seen.
 *
 * `seen_at` records only the explicit "shown"; a row read or archived first is seen without it,
 * and the store reports its seen time as `COALESCE(seen_at, read_at, archived_at)`
 * (notification-rows.ts). So the existing rows read or archived are seen with no rewrite of the
 * table, and a change that reads or archives a row never has to write `seen_at`: its counting
 * (inbox-counts.ts) can tell a row's state before the change from what its WHERE clause pinned.
 * A change that clears `read_at` or `archived_at` first copies it into `seen_at`, so nothing seen
 * becomes unseen again.
 *
 * `unseen_count` counts the rows neither seen, read nor archived, beside the counts of 002 and
 * kept by the same statements. Stop older instances before it runs (see 002).
 */
export const seen: Migration = {
  version: 4,
  name: 'seen',
  statements: [
    // inbox_counters first, as in 002: ingest takes it before notifications.
    'ALTER TABLE inbox_counters ADD COLUMN unseen_count bigint NOT NULL DEFAULT 0',
    'ALTER TABLE notifications ADD COLUMN seen_at timestamptz',

    // What markAllSeen walks at each opening of the bell: the unseen rows only, however many are
    // unread but already seen. Every new row enters it, and leaves it when seen, read or archived.
    `CREATE INDEX notifications_unseen_idx ON notifications (recipient_id, seq)
       WHERE seen_at IS NULL AND read_at IS NULL AND archived_at IS NULL`,

    // Every row just got seen_at NULL, so the unread ones are the unseen ones. Both ALTERs above
    // hold both tables exclusively until commit: no writer can change a row meanwhile. Upsert, as
    // in 002, so that a recipient without a counter row (none should exist) is counted whole.
    `INSERT INTO inbox_counters AS c (user_id, last_seq, unread_count, read_count, archived_count, unseen_count)
     SELECT recipient_id,
            max(seq),
            count(*) FILTER (WHERE read_at IS NULL AND archived_at IS NULL),
            count(*) FILTER (WHERE read_at IS NOT NULL AND archived_at IS NULL),
            count(*) FILTER (WHERE archived_at IS NOT NULL),
            count(*) FILTER (WHERE read_at IS NULL AND archived_at IS NULL)
       FROM notifications
      GROUP BY recipient_id
     ON CONFLICT (user_id) DO UPDATE SET unseen_count = EXCLUDED.unseen_count`,
  ],
};
