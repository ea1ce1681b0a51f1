import type { Migration } from './migration.js';

/**
 * Action buttons (issue 17): a notification may carry up to two buttons, and records which one
 * its recipient pressed, and when.
 *
 * `actions` holds the buttons as the event carried them (`[{ "label", "url", "key" }]`, at most
 * two, checked by the domain before they get here); every row before this migration has none.
 * A constant default adds the column without rewriting the table (PostgreSQL 11 and later).
 *
 * `pressed_action` is the pressed button's index in `actions`, `pressed_at` when: both null until
 * the first press, and set once (the first press wins, see notifications/actions.ts). No index:
 * nothing looks rows up by them, a press names its row by id.
 */
export const actions: Migration = {
  version: 10,
  name: 'actions',
  statements: [
    `ALTER TABLE notifications ADD COLUMN actions jsonb NOT NULL DEFAULT '[]'::jsonb`,
    'ALTER TABLE notifications ADD COLUMN pressed_action smallint',
    'ALTER TABLE notifications ADD COLUMN pressed_at timestamptz',
  ],
};
