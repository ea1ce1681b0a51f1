import type { Migration } from './migration.js';

/**
 * Preferences (issue 17): per user and kind, only what differs from the kind's defaults (which
 * live in code, notifications/preferences.ts, where a registry of kinds will replace them): a
 * null column follows the default, and a row with nothing left to override is deleted. The
 * consumer asks, once per batch, which of its (recipient, kind) pairs are muted: the primary key
 * answers that.
 *
 * The time zone has a table of its own rather than a column on `users`: preferences belong to a
 * user id, and notifications (hence preferences) may be for recipients never seeded into `users`
 * (see 001: no foreign key), whose row would need a name nobody gave.
 */
export const preferences: Migration = {
  version: 8,
  name: 'preferences',
  statements: [
    `CREATE TABLE kind_preferences (
       user_id  text NOT NULL,
       kind     text NOT NULL,
       in_app   boolean,
       delivery text,
       PRIMARY KEY (user_id, kind),
       CONSTRAINT kind_preferences_delivery_check CHECK (delivery IN ('immediate', 'hourly_digest', 'daily_digest'))
     )`,
    `CREATE TABLE user_settings (
       user_id   text PRIMARY KEY,
       time_zone text NOT NULL
     )`,
  ],
};
