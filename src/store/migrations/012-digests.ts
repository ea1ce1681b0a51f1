import type { Migration } from './migration.js';

/**
 * Digests (issue 17): notifications of a kind a user chose to get as an hourly or daily digest are
 * not stored in the inbox one by one; the inbox consumer keeps them here, per period, and the
 * digest job (notifications/digest-job.ts) turns each period into one summary notification at its
 * end.
 *
 * - `digest_periods`: one row per (recipient, workspace, kind, delivery, period start), with its end (fixed
 *   when it opens: the summary's id is derived from the key, so it must never move), how many
 *   items it holds, and its state: open (taking items), claimed by a closer until
 *   `closing_until` (a lease: a closer that dies is replaced after it, producing the same summary
 *   id again), or closed. A period stops taking items once claimed, so what a summary lists is
 *   fixed before it is produced; a later item goes to the next period.
 * - `digest_items`: the notifications themselves, keyed by notification id: a redelivered event,
 *   or one produced twice, is kept once, whichever period it would fall in now.
 *
 * The workspace is part of the key as it is of an inbox (013): a workspace's notifications are
 * summed up in that workspace's inbox, never with another's ('' outside any, as in 013).
 *
 * Closed periods and their items are kept a week (pruned by the job), so a redelivery after a
 * crash still finds its item and is not counted again in the next period.
 */
export const digests: Migration = {
  version: 12,
  name: 'digests',
  statements: [
    `CREATE TABLE digest_periods (
       recipient_id  text NOT NULL,
       workspace_id  text NOT NULL DEFAULT '',
       kind          text NOT NULL,
       delivery      text NOT NULL,
       period_start  timestamptz NOT NULL,
       period_end    timestamptz NOT NULL,
       item_count    integer NOT NULL DEFAULT 0,
       closing_until timestamptz,
       closed_at     timestamptz,
       PRIMARY KEY (recipient_id, workspace_id, kind, delivery, period_start),
       CONSTRAINT digest_periods_delivery_check CHECK (delivery IN ('hourly_digest', 'daily_digest'))
     )`,
    // What the job claims: periods not closed, by end.
    'CREATE INDEX digest_periods_due_idx ON digest_periods (period_end) WHERE closed_at IS NULL',
    // What the job prunes.
    'CREATE INDEX digest_periods_closed_idx ON digest_periods (closed_at) WHERE closed_at IS NOT NULL',
    `CREATE TABLE digest_items (
       notification_id uuid PRIMARY KEY,
       recipient_id    text NOT NULL,
       workspace_id    text NOT NULL DEFAULT '',
       kind            text NOT NULL,
       delivery        text NOT NULL,
       period_start    timestamptz NOT NULL,
       sender_id       text,
       message         text NOT NULL,
       link            text,
       created_at      timestamptz NOT NULL
     )`,
    // A period's items in order, for its summary.
    'CREATE INDEX digest_items_period_idx ON digest_items (recipient_id, workspace_id, kind, delivery, period_start, created_at, notification_id)',
  ],
};
