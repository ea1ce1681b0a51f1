/**
 * The kind registry, as every store back-end must keep it (issue 17): the five demo kinds seeded
 * by the migration, an upsert that creates or changes and answers what is stored, the bound it
 * never passes (not even with two upserts at once), and a critical kind never reported muted.
 * Each case uses kind names of its own; the bound's case runs last, on a full registry.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KindSpec } from '../../src/notifications/kinds.js';
import type { NotificationStore } from '../../src/notifications/ports.js';

export interface OpenedKindsStore {
  store: NotificationStore;
  dispose(): Promise<void>;
}

let count = 0;
const newKind = (fields: Partial<KindSpec> = {}): KindSpec => ({
  name: `test.kind_${(count += 1)}_${randomUUID().slice(0, 8)}`,
  description: 'A kind of a test.',
  defaultDelivery: 'immediate',
  critical: false,
  ...fields,
});

export function describeKindsStoreContract(name: string, open: () => Promise<OpenedKindsStore>): void {
  describe(`${name}: kinds`, () => {
    let opened: OpenedKindsStore;
    let store: NotificationStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await opened?.dispose();
    });

    it('holds the five demo kinds from the migration, system alone critical', async () => {
      const kinds = await store.listKinds();
      expect(kinds.slice(0, 5).map(({ name, defaultDelivery, critical }) => ({ name, defaultDelivery, critical }))).toEqual([
        { name: 'follow', defaultDelivery: 'immediate', critical: false },
        { name: 'mention', defaultDelivery: 'immediate', critical: false },
        { name: 'like', defaultDelivery: 'immediate', critical: false },
        { name: 'comment', defaultDelivery: 'immediate', critical: false },
        { name: 'system', defaultDelivery: 'immediate', critical: true },
      ]);
      expect(kinds[0]?.description).toBe('Someone followed the user.');
    });

    it('creates a kind, then changes it, listed in registration order', async () => {
      const first = newKind();
      const second = newKind({ defaultDelivery: 'daily_digest', critical: true });
      const created = await store.upsertKinds([first, second], 200);
      expect(created).toEqual({ ok: true, kinds: [expect.objectContaining(first), expect.objectContaining(second)] });
      if (!created.ok) return;
      expect(created.kinds[0]!.createdAt).toBeInstanceOf(Date);

      const changed = { ...first, description: 'Changed.', defaultDelivery: 'hourly_digest' as const };
      const answer = await store.upsertKinds([changed], 200);
      expect(answer).toEqual({ ok: true, kinds: [expect.objectContaining(changed)] });
      if (!answer.ok) return;
      expect(answer.kinds[0]!.createdAt).toEqual(created.kinds[0]!.createdAt);
      expect(answer.kinds[0]!.updatedAt.getTime()).toBeGreaterThanOrEqual(created.kinds[0]!.updatedAt.getTime());

      const names = (await store.listKinds()).map((kind) => kind.name);
      expect(names.indexOf(first.name)).toBeGreaterThan(names.indexOf('system'));
      expect(names.indexOf(second.name)).toBe(names.indexOf(first.name) + 1);
    });

    it('keeps updatedAt when an upsert changes nothing', async () => {
      const kind = newKind();
      const [created, again] = [await store.upsertKinds([kind], 200), await store.upsertKinds([kind], 200)];
      expect(created.ok && again.ok && again.kinds[0]!.updatedAt.getTime()).toBe(created.ok && created.kinds[0]!.updatedAt.getTime());
    });

    it('never reports a critical kind muted, even with a mute stored before it became critical', async () => {
      const kind = newKind();
      const user = `user-${randomUUID()}`;
      await store.upsertKinds([kind], 200);
      await store.setPreferences(user, { kinds: [{ kind: kind.name, inApp: false }] });
      expect(await store.mutedPairs([{ userId: user, kind: kind.name }])).toEqual([{ userId: user, kind: kind.name }]);
      await store.upsertKinds([{ ...kind, critical: true }], 200);
      expect(await store.mutedPairs([{ userId: user, kind: kind.name }])).toEqual([]);
    });

    it('refuses, changing nothing, what would pass the bound; a change of registered kinds still passes', async () => {
      const registered = (await store.listKinds()).length;
      const bound = registered + 2;
      // Two upserts at once, of two new kinds each: together they would pass the bound by two.
      const [a, b] = await Promise.all([store.upsertKinds([newKind(), newKind()], bound), store.upsertKinds([newKind(), newKind()], bound)]);
      expect([a.ok, b.ok].sort()).toEqual([false, true]);
      expect([a, b].find((result) => !result.ok)).toEqual({ ok: false, registered: bound });
      const full = await store.listKinds();
      expect(full).toHaveLength(bound);

      expect(await store.upsertKinds([newKind()], bound)).toEqual({ ok: false, registered: bound });
      const last = full.at(-1)!;
      expect(await store.upsertKinds([{ ...last, description: 'Still changeable.' }], bound)).toMatchObject({ ok: true, kinds: [{ name: last.name, description: 'Still changeable.' }] });
      expect(await store.listKinds()).toHaveLength(bound);
    });
  });
}
