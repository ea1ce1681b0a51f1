/**
 * What becomes of one batch of consumed messages, in the order that makes it correct: decode,
 * store the valid ones in one transaction, then publish only the rows actually inserted, and hand
 * back what must go to the dead-letter topic. The consumer hands the batch in and gets that answer
 * back; it dead-letters and commits after, so data flows one way (Kafka → domain → store, pub/sub)
 * and the domain never calls back into Kafka. Plain async code over the ports.
 *
 * Preferences: before storing, one store query per batch finds which of its (recipient, kind)
 * pairs the recipient muted; those notifications are neither stored nor pushed, only counted
 * (`telemetry.muted`), and their offsets are committed with the rest: handled, not lost. A
 * critical kind is never asked about, so never dropped. Then a second query per batch finds what
 * goes to digests (digests.ts): kept in its digest period (one transaction, idempotent on the id),
 * neither stored nor pushed (`telemetry.digested`), its offset committed with the rest.
 *
 * Tracing: each message comes with its consume span's context (many traces in one batch). The one
 * store transaction is one span that links to each of them (it belongs to no single trace); each
 * message's span notes whether it was stored, and its context goes with the published
 * notification, so the push continues that message's trace.
 */
import { SpanStatusCode, trace, type Context, type Link } from '@opentelemetry/api';
import { StoreRefused } from './errors.js';
import { takeDigested } from './digests.js';
import { decodeEvent } from './event.js';
import type { NewNotification, Notification, NotificationKind } from './notification.js';
import type { InboxPubSub, NotificationStore, RecipientKind } from './ports.js';
import { DEFAULT_KINDS, isCritical, staticKinds, type KindLookup, type KindTable } from './preferences.js';
import { senderFitsKind } from './validation.js';
import { carrierOf, tracer } from './tracing.js';

export interface ConsumedMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Its trace context: the consumer's span for this message, a child of the producer's (read from the Kafka headers). */
  trace?: Context;
}

/** A small fixed set, for metrics and alerts; `error` says the particulars. */
export type DeadLetterReason = 'undecodable' | 'invalid' | 'unknown_kind' | 'wrong_key' | 'store_refused' | 'processing_failed';

export interface DeadLetter {
  message: ConsumedMessage;
  reason: DeadLetterReason;
  error: string;
}

/** What the consumer lends one batch: how long a store call may be retried, and an early count. */
export interface BatchControl {
  /** Runs a store call, retrying it for as long as the batch is still the consumer's (a store outage). */
  retry<T>(call: () => Promise<T>): Promise<T>;
  /**
   * How the batch settled, told before anything of it is published: whoever sees a push can
   * count on the batch being counted already.
   */
  settled?(counts: { consumed: number; stored: number }): void;
  /** Tells the group this member is alive, between the steps of a long batch (a broadcast's pages). */
  heartbeat?(): Promise<void>;
}

/** What the ingestor reports as it works (metrics); the composition root says where it goes. */
export interface IngestTelemetry {
  /** Notifications of one kind not stored because their recipient muted the kind. */
  muted(kind: NotificationKind, count: number): void;
  /** Notifications of one kind kept for a digest instead of stored (digests.ts). */
  digested?(kind: NotificationKind, count: number): void;
}

export interface IngestDeps {
  store: Pick<NotificationStore, 'insertNotifications' | 'mutedPairs' | 'digestRouting' | 'addDigestItems'>;
  pubsub: Pick<InboxPubSub, 'publishAdded'>;
  /**
   * The kind registry: an event of a kind it does not hold is dead-lettered (replayable once the
   * kind is registered), and a critical one is never muted (default: the seeded table).
   */
  kinds?: KindLookup;
  telemetry?: IngestTelemetry;
}

/** What a batch's steps see: the kinds as the registry had them for this batch. */
type BatchDeps = Omit<IngestDeps, 'kinds'> & { kinds: KindTable };

/** The rows the store inserted (and published), and what must go to the dead-letter topic before the offsets are committed. */
export interface IngestOutcome {
  inserted: Notification[];
  deadLetters: DeadLetter[];
}

interface Decoded {
  message: ConsumedMessage;
  notification: NewNotification;
}

function decodeBatch(messages: readonly ConsumedMessage[]): { valid: Decoded[]; invalid: DeadLetter[] } {
  const valid: Decoded[] = [];
  const invalid: DeadLetter[] = [];
  for (const message of messages) {
    const decoded = decodeEvent(message.value);
    if (!decoded.ok) {
      invalid.push({ message, reason: decoded.reason, error: decoded.error });
    } else if (message.key !== null && message.key.toString('utf8') !== decoded.notification.recipientId) {
      // A wrong key would put this user's notifications on several partitions and lose their order.
      invalid.push({ message, reason: 'wrong_key', error: 'key does not match the recipient id' });
    } else {
      valid.push({ message, notification: decoded.notification });
    }
  }
  return { valid, invalid };
}

export function splitBatch(messages: readonly ConsumedMessage[]): { valid: NewNotification[]; invalid: DeadLetter[] } {
  const { valid, invalid } = decodeBatch(messages);
  return { valid: valid.map((item) => item.notification), invalid };
}

/**
 * Stores the batch in one transaction. When the store refuses something in it for what it
 * holds (StoreRefused: it can never be stored), the rows go one by one, in order, so that only
 * the ones at fault are dead-lettered, with the store's reason, and the partition moves on.
 * Any other failure (the store is away) is thrown, to be retried with nothing committed.
 */
async function storeBatch(valid: readonly Decoded[], insert: NotificationStore['insertNotifications']): Promise<{ inserted: Notification[]; refused: DeadLetter[] }> {
  if (valid.length === 0) return { inserted: [], refused: [] };
  try {
    return { inserted: await insert(valid.map((item) => item.notification)), refused: [] };
  } catch (error) {
    if (!(error instanceof StoreRefused)) throw error;
  }
  const inserted: Notification[] = [];
  const refused: DeadLetter[] = [];
  for (const { message, notification } of valid) {
    try {
      inserted.push(...(await insert([notification])));
    } catch (error) {
      if (!(error instanceof StoreRefused)) throw error;
      refused.push({ message, reason: 'store_refused', error: `the store refused it: ${error.message}` });
    }
  }
  return { inserted, refused };
}

/** `storeBatch` under one span, linked both ways with the span of every message it holds. */
async function storeBatchTraced(valid: readonly Decoded[], insert: NotificationStore['insertNotifications']): ReturnType<typeof storeBatch> {
  if (valid.length === 0) return storeBatch(valid, insert);
  // A root: the batch is no one trace's, whatever context the consumer's loop happens to run in.
  return tracer.startActiveSpan('store notifications', { root: true }, async (span) => {
    // Without an SDK the span records nothing: no links are gathered.
    if (span.isRecording()) {
      const links: Link[] = [];
      for (const { message } of valid) {
        const messageSpan = message.trace && trace.getSpan(message.trace);
        if (!messageSpan) continue;
        links.push({ context: messageSpan.spanContext() });
        messageSpan.addLink({ context: span.spanContext() });
      }
      span.addLinks(links);
      span.setAttribute('kafka_notify.batch.notifications', valid.length);
    }
    try {
      const stored = await storeBatch(valid, insert);
      span.setAttribute('kafka_notify.batch.inserted', stored.inserted.length);
      return stored;
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

const pairKey = ({ userId, kind }: RecipientKind) => `${kind}\u0000${userId}`;

/**
 * The batch without what its recipients muted, asked of the store in one query (retried as the
 * insert is); the muted ones are counted per kind and their spans told why they end here.
 */
async function dropMuted(valid: Decoded[], { store, kinds, telemetry }: BatchDeps, control: BatchControl): Promise<Decoded[]> {
  const asked = new Map<string, RecipientKind>();
  for (const { notification } of valid) {
    if (isCritical(kinds, notification.kind)) continue;
    const pair = { userId: notification.recipientId, kind: notification.kind };
    asked.set(pairKey(pair), pair);
  }
  if (asked.size === 0) return valid;
  const muted = new Set((await control.retry(() => store.mutedPairs([...asked.values()]))).map(pairKey));
  if (muted.size === 0) return valid;
  const kept: Decoded[] = [];
  const dropped: Decoded[] = [];
  for (const item of valid) {
    const { notification } = item;
    const mutedHere = !isCritical(kinds, notification.kind) && muted.has(pairKey({ userId: notification.recipientId, kind: notification.kind }));
    (mutedHere ? dropped : kept).push(item);
  }
  setAside(dropped, 'muted by its recipient: not stored', (kind, count) => telemetry?.muted(kind, count));
  return kept;
}

/** Notifications a step took out of the batch: counted per kind for `report`, and each message's span told why it ends here. */
function setAside(items: readonly Decoded[], why: string, report: (kind: NotificationKind, count: number) => void): void {
  const counts = new Map<NotificationKind, number>();
  for (const { notification, message } of items) {
    counts.set(notification.kind, (counts.get(notification.kind) ?? 0) + 1);
    const messageSpan = message.trace && trace.getSpan(message.trace);
    if (messageSpan?.isRecording()) messageSpan.addEvent(why);
  }
  for (const [kind, count] of counts) report(kind, count);
}

/**
 * The batch without what goes to digests (digests.ts): kept in their periods, neither stored nor
 * pushed, counted per kind, their spans told why they end here.
 */
async function dropDigested(valid: Decoded[], { store, kinds, telemetry }: BatchDeps, control: BatchControl): Promise<Decoded[]> {
  const { rest, digested } = await takeDigested(valid, { store, kinds, retry: (call) => control.retry(call) });
  setAside(digested, 'kept for a digest: not stored in the inbox', (kind, count) => telemetry?.digested?.(kind, count));
  return rest;
}

/**
 * The batch's kinds as the registry holds them (read again first when it lacks one, so a kind
 * registered on another instance is found), and the events it cannot take: a kind not registered
 * (dead-lettered, to be replayed once it is), or a sender where the kind says otherwise (a critical
 * kind has none, as SYSTEM; every other kind has one).
 */
async function checkKinds(valid: Decoded[], lookup: KindLookup, control: BatchControl): Promise<{ table: KindTable; known: Decoded[]; refused: DeadLetter[] }> {
  const names = new Set(valid.map(({ notification }) => notification.kind));
  // Mostly answered from memory; a read of the store that fails is retried as the batch's other store calls are.
  const table = await lookup.table(names).catch(() => control.retry(() => lookup.table(names)));
  const known: Decoded[] = [];
  const refused: DeadLetter[] = [];
  for (const item of valid) {
    const { kind, senderId } = item.notification;
    const defaults = table.get(kind);
    if (!defaults) {
      refused.push({ message: item.message, reason: 'unknown_kind', error: `unknown kind "${kind}": register it (registerKind or KINDS_FILE), then replay this dead letter` });
    } else if (!senderFitsKind(defaults, senderId)) {
      refused.push({ message: item.message, reason: 'invalid', error: `invalid event: from must be null exactly when the kind is critical (${kind} is ${defaults.critical ? '' : 'not '}critical)` });
    } else {
      known.push(item);
    }
  }
  return { table, known, refused };
}

/** One batch through the store and the pub/sub; throws, with nothing published, while the store is away. */
export async function ingestBatch(messages: readonly ConsumedMessage[], deps: IngestDeps, control: BatchControl): Promise<IngestOutcome> {
  const { store, pubsub } = deps;
  const decoded = decodeBatch(messages);
  const { invalid } = decoded;
  const kinds = await checkKinds(decoded.valid, deps.kinds ?? staticKinds(DEFAULT_KINDS), control);
  const batch: BatchDeps = { ...deps, kinds: kinds.table };
  const valid = await dropDigested(await dropMuted(kinds.known, batch, control), batch, control);
  const { inserted, refused } = await storeBatchTraced(valid, (items) => control.retry(() => store.insertNotifications(items)));
  control.settled?.({ consumed: messages.length, stored: inserted.length });
  // Pushed as soon as the store committed, without waiting for the offset commit (a broker
  // round-trip that Kafka 4 lingers on): stored is stored, and a redelivery of this batch, if
  // the offset commit fails, inserts nothing and so pushes nothing twice. The rows come back in
  // input order, a subsequence of `valid`: walking both finds each row's message, and its trace;
  // the messages passed over were stored before (or refused). Every row is published regardless.
  let at = 0;
  const passOver = (until: number) => {
    for (; at < until; at += 1) {
      const { message } = valid[at]!;
      const messageSpan = message.trace && trace.getSpan(message.trace);
      if (messageSpan?.isRecording() && !refused.some((letter) => letter.message === message)) messageSpan.addEvent('already stored: nothing to push');
    }
  };
  for (const row of inserted) {
    let match = at;
    while (match < valid.length && valid[match]!.notification.id !== row.id) match += 1;
    passOver(match);
    const traceContext = valid[at]?.message.trace;
    at += 1;
    const messageSpan = traceContext && trace.getSpan(traceContext);
    if (messageSpan?.isRecording()) messageSpan.addEvent('stored', { 'kafka_notify.notification.seq': row.seq });
    pubsub.publishAdded(row, traceContext && carrierOf(traceContext));
  }
  passOver(valid.length);
  return { inserted, deadLetters: [...invalid, ...kinds.refused, ...refused] };
}

/**
 * The ingestor the composition root builds from the domain's ports and hands to the consumer:
 * the consumer never sees the store or the pub/sub, only this.
 */
export function createIngestor(deps: IngestDeps) {
  return { ingest: (messages: readonly ConsumedMessage[], control: BatchControl) => ingestBatch(messages, deps, control) };
}

export type Ingestor = ReturnType<typeof createIngestor>;
