import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/notifications/event.js';
import { type BatchControl, type ConsumedMessage, createIngestor, type IngestDeps, ingestBatch, splitBatch } from '../../src/notifications/ingest.js';
import { StoreRefused } from '../../src/notifications/errors.js';
import type { NewNotification, Notification } from '../../src/notifications/notification.js';
import type { RecipientKind } from '../../src/notifications/ports.js';
import { newNotification } from './fixtures.js';

let offset = 0;
function message(notification: NewNotification, overrides: Partial<ConsumedMessage> = {}): ConsumedMessage {
  const { key, value } = encodeEvent(notification);
  offset += 1;
  return { partition: 0, offset: String(offset), key: Buffer.from(key), value: Buffer.from(value), ...overrides };
}

function rawMessage(value: string | null, key: string | null = 'bob'): ConsumedMessage {
  offset += 1;
  return { partition: 0, offset: String(offset), key: key === null ? null : Buffer.from(key), value: value === null ? null : Buffer.from(value) };
}

interface Options {
  /** Ids the store already holds: it skips them, as ON CONFLICT DO NOTHING does. */
  alreadyStored?: readonly string[];
  storeFails?: Error;
  /** Ids the store refuses for what they hold: a batch holding one fails whole, as a transaction does. */
  refusedIds?: readonly string[];
  /** (recipient, kind) pairs muted: the store answers these of the pairs it is asked. */
  muted?: readonly RecipientKind[];
}

/** A store, a pub/sub and the consumer's control that record, in one log, what was called in which order. */
function fakeDeps({ alreadyStored = [], storeFails, refusedIds = [], muted = [] }: Options = {}) {
  const log: string[] = [];
  const insertedCalls: NewNotification[][] = [];
  const published: Notification[] = [];
  const mutedAsked: RecipientKind[][] = [];
  const mutedCounts: [string, number][] = [];
  let seq = 0;
  const deps: IngestDeps = {
    telemetry: { muted: (kind, count) => void mutedCounts.push([kind, count]) },
    store: {
      // No one here chose a digest (digests have their own tests).
      digestRouting: async () => {
        log.push('digests');
        return { deliveries: [], timeZones: [], digested: [] };
      },
      addDigestItems: async (items) => [...items],
      mutedPairs: async (pairs) => {
        log.push('muted');
        mutedAsked.push([...pairs]);
        return pairs.filter((pair) => muted.some((m) => m.userId === pair.userId && m.kind === pair.kind));
      },
      insertNotifications: async (items) => {
        log.push('store');
        insertedCalls.push([...items]);
        if (storeFails) throw storeFails;
        if (items.some((item) => refusedIds.includes(item.id))) throw new StoreRefused('invalid input syntax for type json', '22P02');
        return items
          .filter((item) => !alreadyStored.includes(item.id))
          .map((item) => ({ ...item, seq: ++seq, readAt: null, archivedAt: null, seenAt: null, snoozedUntil: null, actions: [], pressedAction: null }));
      },
    },
    pubsub: {
      publishAdded: (notification) => {
        log.push(`publish:${notification.id}`);
        published.push(notification);
      },
    },
  };
  const control: BatchControl = {
    retry: (call) => {
      log.push('retry');
      return call();
    },
  };
  return { deps, control, log, insertedCalls, published, mutedAsked, mutedCounts };
}

describe('splitBatch', () => {
  it('decodes valid messages in order and dead-letters the rest with the reason', () => {
    const a = newNotification();
    const b = newNotification({ recipientId: 'carol' });
    const notJson = rawMessage('{oops');
    const wrongKey = message(newNotification({ recipientId: 'bob' }), { key: Buffer.from('mallory') });
    const tombstone = rawMessage(null);
    const { valid, invalid } = splitBatch([message(a), notJson, wrongKey, message(b), tombstone]);
    expect(valid).toEqual([a, b]);
    expect(invalid).toEqual([
      { message: notJson, reason: 'undecodable', error: 'value is not JSON' },
      { message: wrongKey, reason: 'wrong_key', error: 'key does not match the recipient id' },
      { message: tombstone, reason: 'undecodable', error: 'empty message (tombstone)' },
    ]);
  });

  it('accepts a message without a key', () => {
    const a = newNotification();
    expect(splitBatch([message(a, { key: null })])).toEqual({ valid: [a], invalid: [] });
  });
});

describe('ingestBatch', () => {
  it('dead-letters only the rows the store refuses, with its reason, and stores the rest in order', async () => {
    const [a, bad, b] = [newNotification(), newNotification(), newNotification()];
    const { deps, control, published } = fakeDeps({ refusedIds: [bad.id] });
    const result = await ingestBatch([message(a), message(bad), message(b)], deps, control);
    expect(result.deadLetters.map((letter) => letter.error)).toEqual(['the store refused it: invalid input syntax for type json']);
    expect(result.deadLetters[0]!.message.value?.toString()).toBe(encodeEvent(bad).value);
    expect(published.map((n) => n.id)).toEqual([a.id, b.id]);
  });

  it('throws, and publishes nothing, when the store is away rather than refusing', async () => {
    const failure = new Error('connection refused');
    const { deps, control, published } = fakeDeps({ storeFails: failure });
    await expect(ingestBatch([rawMessage('nope'), message(newNotification())], deps, control)).rejects.toBe(failure);
    expect(published).toEqual([]);
  });

  it('runs the store call through the consumer\'s retry, then publishes, and hands back the dead letters', async () => {
    const [a, b] = [newNotification(), newNotification()];
    const { deps, control, log } = fakeDeps();
    const result = await ingestBatch([message(a), rawMessage('not json'), message(b)], deps, control);
    expect(log).toEqual(['retry', 'muted', 'retry', 'digests', 'retry', 'store', `publish:${a.id}`, `publish:${b.id}`]);
    expect(result.deadLetters.map((letter) => letter.reason)).toEqual(['undecodable']);
  });

  it('tells how the batch settled (messages read, rows new to the store) before publishing any of it', async () => {
    const [a, b] = [newNotification(), newNotification()];
    const { deps, control, log } = fakeDeps({ alreadyStored: [b.id] });
    const counts: { consumed: number; stored: number }[] = [];
    control.settled = (settled) => {
      log.push('settled');
      counts.push(settled);
    };
    await ingestBatch([message(a), rawMessage('not json'), message(b)], deps, control);
    expect(log).toEqual(['retry', 'muted', 'retry', 'digests', 'retry', 'store', 'settled', `publish:${a.id}`]);
    expect(counts).toEqual([{ consumed: 3, stored: 1 }]);
  });

  it('stores all valid messages in ONE call and publishes the stored rows', async () => {
    const items = [newNotification(), newNotification(), newNotification()];
    const { deps, control, insertedCalls, published } = fakeDeps();
    const { inserted } = await ingestBatch(items.map((n) => message(n)), deps, control);
    expect(insertedCalls).toHaveLength(1);
    expect(inserted.map((n) => n.id)).toEqual(items.map((n) => n.id));
    expect(published.map((n) => n.id)).toEqual(items.map((n) => n.id));
  });

  it('publishes only the rows the store inserted; a redelivered batch publishes nothing', async () => {
    const [a, b, c] = [newNotification(), newNotification(), newNotification()];
    const { deps, control, published } = fakeDeps({ alreadyStored: [b.id] });
    await ingestBatch([message(a), message(b), message(c)], deps, control);
    expect(published.map((n) => n.id)).toEqual([a.id, c.id]);
    const again = fakeDeps({ alreadyStored: [a.id, b.id, c.id] });
    expect(await ingestBatch([message(a), message(b), message(c)], again.deps, again.control)).toEqual({ inserted: [], deadLetters: [] });
    expect(again.published).toEqual([]);
  });

  it('never stores an invalid message: undecodable and wrongly keyed ones come back as dead letters', async () => {
    const good = newNotification();
    const badJson = rawMessage('{ nope');
    const wrongKey = message(newNotification(), { key: Buffer.from('mallory') });
    const { deps, control, insertedCalls } = fakeDeps();
    const result = await ingestBatch([badJson, message(good), wrongKey], deps, control);
    expect(result.deadLetters.map((letter) => [letter.message, letter.reason])).toEqual([
      [badJson, 'undecodable'],
      [wrongKey, 'wrong_key'],
    ]);
    expect(insertedCalls).toEqual([[good]]);
  });

  it('drops what a recipient muted before storing (asking once per batch, each pair once), counts it per kind, and never drops a critical kind', async () => {
    const muted = [
      { userId: 'bob', kind: 'like' as const },
      { userId: 'bob', kind: 'system' as const },
    ];
    const likes = [newNotification(), newNotification()];
    const mention = newNotification({ kind: 'mention' });
    const system = newNotification({ kind: 'system', senderId: null });
    const carolLike = newNotification({ recipientId: 'carol' });
    const { deps, control, insertedCalls, published, mutedAsked, mutedCounts } = fakeDeps({ muted });
    const counts: { consumed: number; stored: number }[] = [];
    control.settled = (settled) => void counts.push(settled);
    const result = await ingestBatch([likes[0]!, mention, system, likes[1]!, carolLike].map((n) => message(n)), deps, control);
    expect(mutedAsked).toEqual([
      [
        { userId: 'bob', kind: 'like' },
        { userId: 'bob', kind: 'mention' },
        { userId: 'carol', kind: 'like' },
      ],
    ]);
    expect(insertedCalls).toEqual([[mention, system, carolLike]]);
    expect(published.map((n) => n.id)).toEqual([mention.id, system.id, carolLike.id]);
    expect(mutedCounts).toEqual([['like', 2]]);
    // Handled, not lost: nothing to dead-letter, so the consumer commits past them.
    expect(result.deadLetters).toEqual([]);
    expect(counts).toEqual([{ consumed: 5, stored: 3 }]);
  });

  it('asks nothing of preferences for a batch of critical kinds only', async () => {
    const { deps, control, log } = fakeDeps();
    const n = newNotification({ kind: 'system', senderId: null });
    await ingestBatch([message(n)], deps, control);
    expect(log).toEqual(['retry', 'store', `publish:${n.id}`]);
  });

  it('with no valid message, does not call the store', async () => {
    const { deps, control, log } = fakeDeps();
    const result = await ingestBatch([rawMessage('nope'), rawMessage(null)], deps, control);
    expect(log).toEqual([]);
    expect(result.inserted).toEqual([]);
    expect(result.deadLetters).toHaveLength(2);
  });

  it('with an empty batch, does nothing', async () => {
    const { deps, control, log } = fakeDeps();
    await expect(ingestBatch([], deps, control)).resolves.toEqual({ inserted: [], deadLetters: [] });
    expect(log).toEqual([]);
  });
});

describe('createIngestor', () => {
  it('ingests through the ports it was built with', async () => {
    const n = newNotification();
    const { deps, control, log } = fakeDeps();
    const result = await createIngestor(deps).ingest([message(n)], control);
    expect(result.inserted.map((row) => row.id)).toEqual([n.id]);
    expect(log).toEqual(['retry', 'muted', 'retry', 'digests', 'retry', 'store', `publish:${n.id}`]);
  });
});
