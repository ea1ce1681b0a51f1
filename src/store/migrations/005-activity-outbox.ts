import type { Migration } from './migration.js';

/**
 * The transactional outbox of the activity topic (issue 18): one row per notification whose inbox
 * state a statement changed, inserted by that same statement (inbox-counts.ts), so a change is in
 * the outbox exactly when the store kept it. The relay (notifications/activity-relay.ts) produces
 * the rows to Kafka and deletes them once acknowledged; a crash between the commit and the produce
 * leaves the rows here for the next drain, where producing after the commit would lose the change.
 *
 * `seq` orders the rows: one recipient's changes are serialized by its counter row lock, so they
 * take their numbers in commit order. `id` is the event's id, fixed at the change, so a row
 * produced twice (a relay that died before deleting it) is the same event twice, which readers
 * count once. `claimed_until` is a relay's lease on a row it is producing: rows of a relay that
 * died are taken again once it ran out.
 *
 * No foreign key to notifications: a deleted notification's row is the event of its deletion.
 */
export const activityOutbox: Migration = {
  version: 5,
  name: 'activity-outbox',
  statements: [
    `CREATE TABLE activity_outbox (
       seq                     bigserial PRIMARY KEY,
       id                      uuid NOT NULL DEFAULT gen_random_uuid(),
       action                  text NOT NULL,
       user_id                 text NOT NULL,
       notification_id         uuid NOT NULL,
       kind                    text NOT NULL,
       notification_created_at timestamptz NOT NULL,
       changed_at              timestamptz NOT NULL,
       claimed_until           timestamptz
     )`,
    // What a claim asks of every row it considers: has this recipient an older row leased to
    // someone? Only leased rows (a few pages) are in it, however long the outbox grew.
    'CREATE INDEX activity_outbox_claimed_idx ON activity_outbox (user_id, seq) WHERE claimed_until IS NOT NULL',
  ],
};
