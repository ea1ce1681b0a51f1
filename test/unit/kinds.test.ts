/**
 * The kind registry's memory (a miss read again from the store, after the miss and spaced, so a
 * kind registered elsewhere is found and a flood of unknown kinds costs few reads), KINDS_FILE's
 * checks, and the send and ingest paths' use of it: an unregistered kind refused (naming it) or
 * dead-lettered, a critical kind sent with no sender, metric labels bounded to the registry.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config.js';
import { readKindsFile } from '../../src/system.js';
import { encodeEvent } from '../../src/notifications/event.js';
import { ingestBatch, type BatchControl } from '../../src/notifications/ingest.js';
import { createKindRegistry, KINDS_MAX, type KindSpec, type RegisteredKind } from '../../src/notifications/kinds.js';
import type { NewNotification } from '../../src/notifications/notification.js';
import { DEFAULT_KINDS, staticKinds } from '../../src/notifications/preferences.js';
import { createSender } from '../../src/notifications/send.js';
import { newNotification } from './fixtures.js';

const registered = (spec: Partial<KindSpec> & { name: string }): RegisteredKind => ({
  description: '',
  defaultDelivery: 'immediate',
  critical: false,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  ...spec,
});

/** A store of kinds shared by "instances", counting its reads; time is a number the test moves. */
function sharedStore(initial: RegisteredKind[] = [registered({ name: 'like' })]) {
  const kinds = [...initial];
  let reads = 0;
  return {
    get reads() {
      return reads;
    },
    add: (kind: RegisteredKind) => kinds.push(kind),
    store: {
      listKinds: async () => {
        reads += 1;
        return [...kinds];
      },
      upsertKinds: async (specs: readonly KindSpec[], max: number) => {
        const added = specs.filter((spec) => !kinds.some((kind) => kind.name === spec.name));
        if (kinds.length + added.length > max) return { ok: false as const, registered: kinds.length };
        const stored = specs.map((spec) => registered(spec));
        for (const kind of stored) {
          const at = kinds.findIndex((k) => k.name === kind.name);
          if (at >= 0) kinds[at] = kind;
          else kinds.push(kind);
        }
        return { ok: true as const, kinds: stored };
      },
    },
  };
}

describe('the kind registry', () => {
  it('finds a kind another instance registered, by a read of the store after the miss', async () => {
    const shared = sharedStore();
    const here = createKindRegistry({ store: shared.store, missReadIntervalMs: 0 });
    const elsewhere = createKindRegistry({ store: shared.store, missReadIntervalMs: 0 });
    expect([...(await here.table()).keys()]).toEqual(['like']);
    await elsewhere.register({ name: 'invoice.paid', critical: true });
    expect((await here.table(['invoice.paid'])).get('invoice.paid')).toEqual({ inApp: true, delivery: 'immediate', critical: true });
  });

  it('answers known kinds from memory, and reads again once the table is older than its age', async () => {
    const shared = sharedStore();
    let now = 0;
    const registry = createKindRegistry({ store: shared.store, maxAgeMs: 1000, clock: () => now });
    await registry.table(['like']);
    await registry.table(['like']);
    expect(shared.reads).toBe(1);
    shared.add(registered({ name: 'like', defaultDelivery: 'daily_digest' }));
    now = 1000;
    await registry.table();
    expect(shared.reads).toBe(2);
  });

  it('shares one spaced read among a flood of unknown kinds, and never looks for a name no kind can have', async () => {
    const shared = sharedStore();
    const registry = createKindRegistry({ store: shared.store, missReadIntervalMs: 50 });
    await registry.table();
    const started = performance.now();
    const tables = await Promise.all(Array.from({ length: 100 }, (_, n) => registry.table([`unknown.${n}`])));
    expect(tables.every((table) => table.size === 1)).toBe(true);
    expect(shared.reads).toBe(2);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    await registry.table(['NOT A KIND']);
    expect(shared.reads).toBe(2);
  });

  it('knows at once what it registered, and refuses past its bound', async () => {
    const shared = sharedStore(Array.from({ length: KINDS_MAX - 1 }, (_, n) => registered({ name: `kind.${n}` })));
    const registry = createKindRegistry({ store: shared.store });
    await registry.table();
    await registry.register({ name: 'invoice.paid', defaultDelivery: 'hourly_digest' });
    expect((await registry.table(['invoice.paid'])).get('invoice.paid')?.delivery).toBe('hourly_digest');
    expect(shared.reads).toBe(1);
    await expect(registry.register({ name: 'one.too.many' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'name' } });
    await expect(registry.register({ name: 'Invoice Paid' })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', details: { field: 'name' } });
  });
});

describe('KINDS_FILE', () => {
  const file = async (content: string) => {
    const path = join(await mkdtemp(join(tmpdir(), 'kinds-file-')), 'kinds.json');
    await writeFile(path, content);
    return path;
  };

  it('reads kinds, with defaults for what an entry leaves out', async () => {
    const path = await file(JSON.stringify({ kinds: [{ name: 'invoice.paid', defaultDelivery: 'DAILY_DIGEST' }, { name: 'security.alert', critical: true, description: 'A new sign-in.' }] }));
    expect((await readKindsFile(path)).kinds).toEqual([
      { name: 'invoice.paid', description: '', defaultDelivery: 'daily_digest', critical: false },
      { name: 'security.alert', description: 'A new sign-in.', defaultDelivery: 'immediate', critical: true },
    ]);
  });

  it.each([
    ['missing', null, /cannot be read \(ENOENT\)/],
    ['not JSON', '{ kinds: ', /is not JSON/],
    ['of the wrong shape', JSON.stringify([{ name: 'a' }]), /expected \{ "kinds"/],
    ['with a bad name', JSON.stringify({ kinds: [{ name: 'ok' }, { name: 'Invoice Paid' }] }), /kinds\.1\.name: name "Invoice Paid" is not a kind name/],
    ['with an unknown delivery', JSON.stringify({ kinds: [{ name: 'a', defaultDelivery: 'weekly' }] }), /kinds\.0\.defaultDelivery/],
    ['naming a kind twice', JSON.stringify({ kinds: [{ name: 'a' }, { name: 'a' }] }), /kinds\.1\.name: "a" is named twice/],
  ])('stops the start with a ConfigError when %s', async (_case, content, message) => {
    const path = content === null ? join(tmpdir(), 'no-such-kinds-file.json') : await file(content);
    const error = await readKindsFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^KINDS_FILE: /);
    expect((error as ConfigError).problems[0]).toMatch(message);
  });
});

describe('sending and ingesting with the registry', () => {
  const table = new Map([...DEFAULT_KINDS, ['invoice.paid', { inApp: true, delivery: 'immediate' as const, critical: true }]]);

  it('refuses an unregistered kind, naming it, counted under one label; sends a critical kind with no sender', async () => {
    const labels: string[] = [];
    const sent: NewNotification[] = [];
    const sender = createSender({
      users: { getUsers: async (ids) => ids.map((id) => ({ id, name: id })) },
      producer: { send: async (items) => void sent.push(...items) },
      messageMaxLength: 100,
      kinds: staticKinds(table),
      telemetry: { sent: (kind) => void labels.push(kind) },
    });
    const results = await sender.sendMany(
      [
        { recipientId: 'bob', kind: 'invoice.paid', message: 'Invoice 7 is paid.' },
        { recipientId: 'bob', kind: 'nope.never', message: 'hi', senderId: 'alice' },
        { recipientId: 'bob', kind: 'invoice.paid', message: 'hi', senderId: 'alice' },
      ],
      { kind: 'any' },
    );
    expect(results.map((r) => (r.ok ? r.notification.senderId : [r.error.code, r.error.details.field, r.error.message]))).toEqual([
      null,
      ['BAD_USER_INPUT', 'kind', expect.stringContaining('"nope.never" is not registered')],
      ['BAD_USER_INPUT', 'senderId', expect.any(String)],
    ]);
    expect(labels).toEqual(['invoice.paid', '(unregistered)', 'invoice.paid']);
    await expect(sender.sendOne({ recipientId: 'bob', kind: 'invoice.paid', message: 'hi' }, { kind: 'user', userId: 'alice' })).rejects.toMatchObject({ code: 'FORBIDDEN', details: { field: 'kind' } });
  });

  it('dead-letters an event of an unregistered kind, and one whose sender does not fit its kind, and stores the rest', async () => {
    const stored: NewNotification[] = [];
    const control: BatchControl = { retry: (call) => call() };
    const message = (notification: NewNotification, offset: number) => {
      const { key, value } = encodeEvent(notification);
      return { partition: 0, offset: String(offset), key: Buffer.from(key), value: Buffer.from(value) };
    };
    const unknown = newNotification({ kind: 'nope.never' });
    const critical = newNotification({ kind: 'invoice.paid', senderId: null });
    const criticalWithSender = newNotification({ kind: 'invoice.paid' });
    const outcome = await ingestBatch(
      [message(unknown, 1), message(critical, 2), message(criticalWithSender, 3)],
      {
        kinds: staticKinds(table),
        pubsub: { publishAdded: () => {} },
        store: {
          mutedPairs: async () => [],
          digestRouting: async () => ({ deliveries: [], timeZones: [], digested: [] }),
          addDigestItems: async (items) => [...items],
          insertNotifications: async (items) => {
            stored.push(...items);
            return items.map((item, n) => ({ ...item, seq: n + 1, readAt: null, archivedAt: null, seenAt: null, snoozedUntil: null, actions: [], pressedAction: null }));
          },
        },
      },
      control,
    );
    expect(stored.map((n) => n.id)).toEqual([critical.id]);
    expect(outcome.deadLetters.map((letter) => [letter.message.offset, letter.reason, letter.error])).toEqual([
      ['1', 'unknown_kind', 'unknown kind "nope.never": register it (registerKind or KINDS_FILE), then replay this dead letter'],
      ['3', 'invalid', 'invalid event: from must be null exactly when the kind is critical (invoice.paid is critical)'],
    ]);
  });
});
