/**
 * Typed pub/sub for the live feeds. Delivery to subscribers is always in-process (one emitter
 * event per recipient); with Redis, every instance publishes to ONE channel that each instance
 * subscribed to, and awaited, at start. A per-recipient Redis channel would be subscribed lazily,
 * and an event published before that SUBSCRIBE took effect would be lost to a feed that had
 * already finished its replay.
 */
import { EventEmitter } from 'node:events';
import { pEventIterator } from 'p-event';
import { Redis } from 'ioredis';
import type { Notification } from '../notifications/notification.js';
import type { InboxEvent, InboxPubSub } from '../notifications/ports.js';
import { eventFromWire, eventToWire, type InboxEventWire } from './wire.js';

const CHANNEL = 'kafka-notify:inbox';
const inboxEvent = (userId: string) => `inbox:${userId}`;

export interface InboxPubSubOptions {
  redisUrl?: string | undefined;
  onError?: (error: unknown) => void;
}

/** Adapts an iterator of a transform, keeping `return()` so that leaving ends the listener. */
function mapIterable<A, B>(source: AsyncIterable<A>, transform: (value: A) => B[]): AsyncIterable<B> {
  return {
    [Symbol.asyncIterator]() {
      const iterator = source[Symbol.asyncIterator]();
      const pending: B[] = [];
      return {
        async next(): Promise<IteratorResult<B>> {
          while (pending.length === 0) {
            const next = await iterator.next();
            if (next.done) return { done: true, value: undefined };
            pending.push(...transform(next.value));
          }
          return { done: false, value: pending.shift()! };
        },
        async return(): Promise<IteratorResult<B>> {
          await iterator.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

export async function createInboxPubSub({ redisUrl, onError = () => {} }: InboxPubSubOptions = {}): Promise<
  InboxPubSub & { stop(): Promise<void> }
> {
  const local = new EventEmitter();
  // Thousands of open feeds listen on one emitter; that is the design, not a leak.
  local.setMaxListeners(0);
  const deliver = (event: InboxEvent) => local.emit(inboxEvent(event.userId), event);

  let publish = deliver;
  let stop = async () => {};

  if (redisUrl) {
    const publisher = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3 });
    const subscriber = new Redis(redisUrl, { lazyConnect: true });
    publisher.on('error', onError);
    subscriber.on('error', onError);
    await Promise.all([publisher.connect(), subscriber.connect()]);
    subscriber.on('message', (_channel: string, text: string) => {
      try {
        deliver(eventFromWire(JSON.parse(text) as InboxEventWire));
      } catch (error) {
        onError(error);
      }
    });
    await subscriber.subscribe(CHANNEL);
    publish = (event) => {
      publisher.publish(CHANNEL, JSON.stringify(eventToWire(event))).catch(onError);
      return true;
    };
    stop = async () => {
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    };
  }

  function subscribeInbox(userId: string): AsyncIterable<InboxEvent> {
    // Listening starts now and buffers until read: what a replaying feed needs. Not events.on():
    // its two preallocated 2,048-slot queues cost 32 KB per subscription, two thirds of what a
    // graphql-ws connection held in a heap snapshot at 3,000 connections; p-event's grow as used.
    return pEventIterator<string, InboxEvent>(local, inboxEvent(userId), { rejectionEvents: [] });
  }

  return {
    publishAdded: (notification: Notification) =>
      void publish({ userId: notification.recipientId, action: 'added', notifications: [notification], ids: [notification.id] }),
    publishChanged: (event) => void publish(event),
    subscribeInbox,
    subscribeAdded: (userId) => mapIterable(subscribeInbox(userId), (event) => (event.action === 'added' ? event.notifications : [])),
    stop,
  };
}
