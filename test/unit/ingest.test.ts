import { describe, expect, it } from 'vitest';
import { encodeEvent } from '../../src/notifications/event.js';
import { type ConsumedMessage, createIngestor, type DeadLetter, ingestBatch, type IngestPorts, splitBatch } from '../../src/notifications/ingest.js';
import { StoreRefused } from '../../src/notifications/errors.js';
import type { NewNotification, Notification } from '../../src/notifications/notification.js';
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
  commitFails?: Error;
  deadLetterFails?: Error;
}

/** Ports that record, in one log, what was called in which order. */
function fakePorts({ alreadyStored = [], storeFails, refusedIds = [], commitFails, deadLetterFails }: Options = {}) {
  const log: string[] = [];
  const deadLettered: DeadLetter[][] = [];
  const insertedCalls: NewNotification[][] = [];
  const published: Notification[] = [];
  let seq = 0;
  const ports: IngestPorts = {
    store: {
      insertNotifications: async (items) => {
        log.push('store');
        insertedCalls.push([...items]);
        if (storeFails) throw storeFails;
        if (items.some((item) => refusedIds.includes(item.id))) throw new StoreRefused('invalid input syntax for type json', '22P02');
        return items
          .filter((item) => !alreadyStored.includes(item.id))
          .map((item) => ({ ...item, seq: ++seq, readAt: null, archivedAt: null }));
      },
    },
    deadLetter: async (letters) => {
      log.push('deadLetter');
      deadLettered.push([...letters]);
      if (deadLetterFails) throw deadLetterFails;
    },
    commit: async () => {
      log.push('commit');
      if (commitFails) throw commitFails;
    },
    publish: (notification) => {
      log.push(`publish:${notification.id}`);
      published.push(notification);
    },
  };
  return { ports, log, deadLettered, insertedCalls, published };
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
  it('dead-letters only the rows the store refuses, with its reason, stores the rest in order, and commits', async () => {
    const [a, bad, b] = [newNotification(), newNotification(), newNotification()];
    const { ports, log, deadLettered, published } = fakePorts({ refusedIds: [bad.id] });
    const result = await ingestBatch([message(a), message(bad), message(b)], ports);
    expect(result.deadLettered).toBe(1);
    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]!.map((letter) => letter.error)).toEqual(['the store refused it: invalid input syntax for type json']);
    expect(deadLettered[0]![0]!.message.value?.toString()).toBe(encodeEvent(bad).value);
    expect(published.map((n) => n.id)).toEqual([a.id, b.id]);
    expect(log.at(-1)).toBe('commit');
  });

  it('throws, and commits nothing, when the store is away rather than refusing', async () => {
    const { ports, log } = fakePorts({ storeFails: new Error('connection refused') });
    await expect(ingestBatch([message(newNotification())], ports)).rejects.toThrow('connection refused');
    expect(log).not.toContain('commit');
  });

  it('dead-letters, then stores, then publishes, then commits', async () => {
    const a = newNotification();
    const b = newNotification();
    const { ports, log } = fakePorts();
    const result = await ingestBatch([message(a), rawMessage('not json'), message(b)], ports);
    expect(log).toEqual(['deadLetter', 'store', `publish:${a.id}`, `publish:${b.id}`, 'commit']);
    expect(result.deadLettered).toBe(1);
    expect(result.inserted.map((n) => n.id)).toEqual([a.id, b.id]);
  });

  it('tells how the batch settled (messages read, rows new to the store) before publishing any of it', async () => {
    const [a, b] = [newNotification(), newNotification()];
    const { ports, log } = fakePorts({ alreadyStored: [b.id] });
    const counts: { consumed: number; stored: number }[] = [];
    ports.settled = (settled) => {
      log.push('settled');
      counts.push(settled);
    };
    await ingestBatch([message(a), rawMessage('not json'), message(b)], ports);
    expect(counts).toEqual([{ consumed: 3, stored: 1 }]);
    expect(log).toEqual(['deadLetter', 'store', 'settled', `publish:${a.id}`, 'commit']);
  });

  it('stores all valid messages in ONE call and publishes the stored rows', async () => {
    const items = [newNotification(), newNotification(), newNotification()];
    const { ports, insertedCalls, published } = fakePorts();
    const { inserted } = await ingestBatch(items.map((n) => message(n)), ports);
    expect(insertedCalls).toEqual([items]);
    expect(published).toEqual(inserted);
    expect(published.map((n) => n.seq)).toEqual([1, 2, 3]);
  });

  it('publishes only the rows the store inserted', async () => {
    const [a, b, c] = [newNotification(), newNotification(), newNotification()];
    const { ports, log, published } = fakePorts({ alreadyStored: [b.id] });
    const result = await ingestBatch([message(a), message(b), message(c)], ports);
    expect(published.map((n) => n.id)).toEqual([a.id, c.id]);
    expect(result.inserted.map((n) => n.id)).toEqual([a.id, c.id]);
    expect(log).toContain('commit');
  });

  it('publishes nothing for a redelivered batch (the store inserts nothing) but still commits', async () => {
    const items = [newNotification(), newNotification()];
    const { ports, log, published } = fakePorts({ alreadyStored: items.map((n) => n.id) });
    const result = await ingestBatch(items.map((n) => message(n)), ports);
    expect(published).toEqual([]);
    expect(log).toEqual(['store', 'commit']);
    expect(result).toEqual({ inserted: [], deadLettered: 0 });
  });

  it('sends invalid messages to the dead letter and never to the store', async () => {
    const good = newNotification({ recipientId: 'bob' });
    const badJson = rawMessage('{"v":1');
    const wrongKey = message(newNotification({ recipientId: 'bob' }), { key: Buffer.from('carol') });
    const { ports, deadLettered, insertedCalls } = fakePorts();
    const result = await ingestBatch([badJson, message(good), wrongKey], ports);
    expect(deadLettered).toEqual([
      [
        { message: badJson, reason: 'undecodable', error: 'value is not JSON' },
        { message: wrongKey, reason: 'wrong_key', error: 'key does not match the recipient id' },
      ],
    ]);
    expect(insertedCalls).toEqual([[good]]);
    expect(result.deadLettered).toBe(2);
  });

  it('does not call the dead letter when every message is valid', async () => {
    const { ports, deadLettered } = fakePorts();
    await ingestBatch([message(newNotification())], ports);
    expect(deadLettered).toEqual([]);
  });

  it('when commit throws, still publishes the inserted rows and lets the error through', async () => {
    const failure = new Error('rebalance in progress');
    const [a, b] = [newNotification(), newNotification()];
    const { ports, log, published } = fakePorts({ commitFails: failure });
    await expect(ingestBatch([message(a), message(b)], ports)).rejects.toBe(failure);
    expect(log).toEqual(['store', `publish:${a.id}`, `publish:${b.id}`, 'commit']);
    expect(published.map((n) => n.id)).toEqual([a.id, b.id]);
  });

  it('when the store throws, commits nothing and publishes nothing', async () => {
    const failure = new Error('database down');
    const { ports, log, published } = fakePorts({ storeFails: failure });
    await expect(ingestBatch([rawMessage('nope'), message(newNotification())], ports)).rejects.toBe(failure);
    expect(log).toEqual(['deadLetter', 'store']);
    expect(published).toEqual([]);
  });

  it('when the dead letter throws, stores, commits and publishes nothing', async () => {
    const failure = new Error('DLQ topic unavailable');
    const { ports, log } = fakePorts({ deadLetterFails: failure });
    await expect(ingestBatch([rawMessage('nope'), message(newNotification())], ports)).rejects.toBe(failure);
    expect(log).toEqual(['deadLetter']);
  });

  it('with no valid message, does not call the store but still commits', async () => {
    const { ports, log } = fakePorts();
    const result = await ingestBatch([rawMessage('nope'), rawMessage(null)], ports);
    expect(log).toEqual(['deadLetter', 'commit']);
    expect(result).toEqual({ inserted: [], deadLettered: 2 });
  });

  it('with an empty batch, only commits', async () => {
    const { ports, log } = fakePorts();
    await expect(ingestBatch([], ports)).resolves.toEqual({ inserted: [], deadLettered: 0 });
    expect(log).toEqual(['commit']);
  });
});

describe('createIngestor', () => {
  it('runs every store call through the consumer retryStore, publishes through the pub/sub, and commits', async () => {
    const n = newNotification();
    const calls: string[] = [];
    const ingestor = createIngestor({
      store: {
        insertNotifications: async (items) => {
          calls.push('store');
          return items.map((item, index) => ({ ...item, seq: index + 1, readAt: null, archivedAt: null }));
        },
      },
      pubsub: { publishAdded: (notification) => void calls.push(`publish:${notification.id}`) },
    });
    const result = await ingestor.ingest([message(n)], {
      retryStore: async (call) => {
        calls.push('retryStore');
        return call();
      },
      deadLetter: async () => void calls.push('deadLetter'),
      commit: async () => void calls.push('commit'),
    });
    expect(result.inserted.map((row) => row.id)).toEqual([n.id]);
    expect(calls).toEqual(['retryStore', 'store', `publish:${n.id}`, 'commit']);
  });
});
