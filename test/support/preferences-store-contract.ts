/**
 * Preferences, as every store back-end must keep them (issue 17): only overrides are stored, a
 * change touches only what it names, null brings a field back to its default, and the consumer's
 * one query per batch finds exactly the muted (recipient, kind) pairs. Each case uses users of its own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationStore } from '../../src/notifications/ports.js';
import type { SqlQuery } from '../../src/store/sql-client.js';

export interface OpenedPreferencesStore {
  store: NotificationStore;
  /** The store's database, to see what it holds. */
  sql: SqlQuery;
  dispose(): Promise<void>;
}

const newUser = (): string => `user-${randomUUID()}`;

export function describePreferencesStoreContract(name: string, open: () => Promise<OpenedPreferencesStore>): void {
  describe(`${name}: preferences`, () => {
    let opened: OpenedPreferencesStore;
    let store: NotificationStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    const rowsOf = (user: string) => opened.sql.query<{ kind: string }>('SELECT kind FROM kind_preferences WHERE user_id = $1 ORDER BY kind', [user]);

    it('holds nothing for a user who set nothing', async () => {
      expect(await store.getPreferences(newUser())).toEqual({ timeZone: null, kinds: [] });
    });

    it('keeps what is set, and only that', async () => {
      const user = newUser();
      await store.setPreferences(user, {
        timeZone: 'Europe/Paris',
        kinds: [
          { kind: 'like', inApp: false },
          { kind: 'comment', delivery: 'daily_digest' },
        ],
      });
      expect(await store.getPreferences(user)).toEqual({
        timeZone: 'Europe/Paris',
        kinds: [
          { kind: 'comment', inApp: null, delivery: 'daily_digest' },
          { kind: 'like', inApp: false, delivery: null },
        ],
      });
    });

    it('overwrites what a change names and leaves the rest', async () => {
      const user = newUser();
      await store.setPreferences(user, { timeZone: 'Europe/Paris', kinds: [{ kind: 'like', inApp: false, delivery: 'hourly_digest' }] });
      await store.setPreferences(user, { kinds: [{ kind: 'like', delivery: 'daily_digest' }, { kind: 'follow', inApp: false }] });
      expect(await store.getPreferences(user)).toEqual({
        timeZone: 'Europe/Paris',
        kinds: [
          { kind: 'follow', inApp: false, delivery: null },
          { kind: 'like', inApp: false, delivery: 'daily_digest' },
        ],
      });
      await store.setPreferences(user, { timeZone: 'America/New_York', kinds: [{ kind: 'like', inApp: true }] });
      expect(await store.getPreferences(user)).toEqual({
        timeZone: 'America/New_York',
        kinds: [
          { kind: 'follow', inApp: false, delivery: null },
          { kind: 'like', inApp: true, delivery: 'daily_digest' },
        ],
      });
    });

    it('drops a row with nothing left to override', async () => {
      const user = newUser();
      await store.setPreferences(user, { kinds: [{ kind: 'like', inApp: false }, { kind: 'mention', delivery: 'hourly_digest' }] });
      await store.setPreferences(user, { kinds: [{ kind: 'like', inApp: null }, { kind: 'mention', inApp: false }] });
      expect(await rowsOf(user)).toEqual([{ kind: 'mention' }]);
      await store.setPreferences(user, { kinds: [{ kind: 'mention', inApp: null, delivery: null }] });
      expect(await rowsOf(user)).toEqual([]);
      expect(await store.getPreferences(user)).toEqual({ timeZone: null, kinds: [] });
    });

    it("answers a batch's muted (recipient, kind) pairs in one query", async () => {
      const [ann, bob, cat] = [newUser(), newUser(), newUser()];
      await store.setPreferences(ann, { kinds: [{ kind: 'like', inApp: false }, { kind: 'comment', delivery: 'daily_digest' }] });
      await store.setPreferences(bob, { kinds: [{ kind: 'mention', inApp: false }, { kind: 'like', inApp: true, delivery: 'hourly_digest' }] });
      const muted = await store.mutedPairs([
        { userId: ann, kind: 'like' },
        { userId: ann, kind: 'comment' },
        { userId: ann, kind: 'mention' },
        { userId: bob, kind: 'like' },
        { userId: bob, kind: 'mention' },
        { userId: cat, kind: 'like' },
      ]);
      const key = (pair: { userId: string; kind: string }) => `${pair.userId}/${pair.kind}`;
      expect(muted.map(key).sort()).toEqual([key({ userId: ann, kind: 'like' }), key({ userId: bob, kind: 'mention' })].sort());
      expect(await store.mutedPairs([])).toEqual([]);
      // A pair asked twice (two likes in one batch) is answered as a pair all the same.
      expect((await store.mutedPairs([{ userId: ann, kind: 'like' }, { userId: ann, kind: 'like' }])).map(key)).toContain(key({ userId: ann, kind: 'like' }));
    });
  });
}
