/**
 * Broadcasts: one notification to every subscriber of a topic. Sending writes ONE broadcast event
 * to the log (answered once Kafka acknowledged it); the expander, a consumer of its own, turns it
 * into per-recipient notification events a page of subscribers at a time, so a topic of 100,000
 * holds one page in memory, and the inbox consumer stores and pushes them as any other.
 *
 * Resumable and exact: after each page Kafka acknowledged, the page's last subscriber is recorded;
 * a crash resumes after it, and the page that was in flight is produced again with the same ids
 * (derived from the broadcast id and the recipient), which the inbox stores once. The broadcast's
 * offset is committed only when its expansion is done.
 */
import { decodeBroadcast } from './broadcast-event.js';
import { NotifyError } from './errors.js';
import { broadcastNotificationId, newBroadcastId } from './ids.js';
import type { ConsumedMessage, DeadLetter, BatchControl, IngestOutcome } from './ingest.js';
import type { NewBroadcast, NewNotification } from './notification.js';
import { NO_TELEMETRY, type BroadcastProducer, type NotificationProducer, type NotificationStore, type NotifyTelemetry } from './ports.js';
import { DEFAULT_KINDS, staticKinds, type KindLookup } from './preferences.js';
import { assertIdempotencyKey, buildContent, kindLabel, type SendAuthority, type SendInput } from './send.js';
import type { UserDirectory } from './user-directory.js';
import { assertTopic } from './validation.js';

export type BroadcastInput = Omit<SendInput, 'recipientId'> & { topic: string };

export interface BroadcasterDeps {
  users: Pick<UserDirectory, 'getUsers'>;
  producer: BroadcastProducer;
  messageMaxLength: number;
  now?: () => Date;
  telemetry?: Pick<NotifyTelemetry, 'sent'>;
  /** The kind registry (default: the seeded kinds). */
  kinds?: KindLookup;
}

export function createBroadcaster({ users, producer, messageMaxLength, now = () => new Date(), telemetry = NO_TELEMETRY, kinds = staticKinds(DEFAULT_KINDS) }: BroadcasterDeps) {
  /** Checks it as a send is checked, and answers once the broadcast event is on the log. */
  async function broadcast(input: BroadcastInput, authority: SendAuthority): Promise<NewBroadcast> {
    const table = await kinds.table([input.kind]);
    const label = kindLabel(table, input.kind);
    try {
      // A user could otherwise reach every subscriber of `all`: only back ends broadcast.
      if (authority.kind !== 'any') throw new NotifyError('FORBIDDEN', 'only a service token with the send scope may broadcast to a topic', { field: 'topic' });
      const topic = assertTopic(input.topic);
      const content = buildContent(input, authority, messageMaxLength, table);
      const id = newBroadcastId(content.senderId, topic, assertIdempotencyKey(input.idempotencyKey));
      if (content.senderId !== null && (await users.getUsers([content.senderId])).length === 0) {
        throw new NotifyError('USER_NOT_FOUND', `no user with id ${content.senderId}`, { field: 'senderId' });
      }
      const built: NewBroadcast = { id, topic, ...content, createdAt: now() };
      try {
        await producer.send([built]);
      } catch (error) {
        throw error instanceof NotifyError ? error : new NotifyError('KAFKA_UNAVAILABLE', 'could not write to Kafka');
      }
      telemetry.sent(label, 'accepted');
      return built;
    } catch (error) {
      if (error instanceof NotifyError) telemetry.sent(label, error.code);
      throw error;
    }
  }

  return { broadcast };
}

export type Broadcaster = ReturnType<typeof createBroadcaster>;

export interface ExpanderDeps {
  store: Pick<NotificationStore, 'listTopicSubscribers' | 'broadcastProgress' | 'recordBroadcastProgress'>;
  /** Writes to the notification topic: the inbox consumer takes it from there. */
  producer: NotificationProducer;
  /** Subscribers per page: per-recipient events per produce call, and what a crash may produce twice. */
  pageSize: number;
  /** Told after each page, for metrics. */
  onPage?: (recipients: number) => void;
}

/** Each subscriber's copy: the broadcast's content, their own derived id. */
export const copyFor = (broadcast: NewBroadcast, recipientId: string): NewNotification => ({
  id: broadcastNotificationId(broadcast.id, recipientId),
  senderId: broadcast.senderId,
  recipientId,
  kind: broadcast.kind,
  message: broadcast.message,
  link: broadcast.link,
  data: broadcast.data,
  createdAt: broadcast.createdAt,
});

export function createBroadcastExpander({ store, producer, pageSize, onPage = () => {} }: ExpanderDeps) {
  async function expand(broadcast: NewBroadcast, control: BatchControl): Promise<void> {
    const progress = await control.retry(() => store.broadcastProgress(broadcast.id));
    if (progress?.done) return;
    let after = progress?.lastUserId ?? null;
    let recipients = progress?.recipients ?? 0;
    for (;;) {
      const page = await control.retry(() =>
        store.listTopicSubscribers({ topic: broadcast.topic, after, first: pageSize, subscribedBy: broadcast.createdAt }),
      );
      // Whoever caused it is told already.
      const copies = page.filter((userId) => userId !== broadcast.senderId).map((userId) => copyFor(broadcast, userId));
      if (copies.length > 0) await control.retry(() => producer.send(copies));
      recipients += copies.length;
      after = page.at(-1) ?? after;
      const done = page.length < pageSize;
      await control.retry(() => store.recordBroadcastProgress({ broadcastId: broadcast.id, topic: broadcast.topic, lastUserId: after, recipients, done }));
      onPage(copies.length);
      if (done) return;
      await control.heartbeat?.();
    }
  }

  return {
    /** The consumer's batch handler: expands each broadcast in turn; what cannot be read goes to the dead-letter topic. */
    async ingest(messages: readonly ConsumedMessage[], control: BatchControl): Promise<IngestOutcome> {
      const deadLetters: DeadLetter[] = [];
      for (const message of messages) {
        const decoded = decodeBroadcast(message.value);
        if (!decoded.ok) {
          deadLetters.push({ message, reason: decoded.reason, error: decoded.error });
        } else if (message.key !== null && message.key.toString('utf8') !== decoded.broadcast.topic) {
          deadLetters.push({ message, reason: 'wrong_key', error: 'key does not match the topic' });
        } else {
          await expand(decoded.broadcast, control);
        }
      }
      return { inserted: [], deadLetters };
    },
  };
}
