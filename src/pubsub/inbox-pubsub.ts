/**
 * Typed pub/sub for the live feeds. Delivery to subscribers is always in-process (one emitter
 * event per recipient); with Redis, every instance publishes to ONE channel that each instance
 * subscribed to, and awaited, at start. A per-recipient Redis channel would be subscribed lazily,
 * and a notification published before that SUBSCRIBE took effect would be lost to a feed that
 * had already finished its replay.
 */
import { EventEmitter, on } from 'node:events';
import { Redis } from 'ioredis';
import type { Notification } from '../notifications/notification.js';
import type { InboxPubSub } from '../notifications/ports.js';
import { fromWire, toWire, type NotificationWire } from './wire.js';

const CHANNEL = 'kafka-notify:inbox';
const addedEvent = (userId: string) => `added:${userId}`;

export interface InboxPubSubOptions {
  redisUrl?: string | undefined;
  onError?: (error: unknown) => void;
}

export async function createInboxPubSub({ redisUrl, onError = () => {} }: InboxPubSubOptions = {}): Promise<
  InboxPubSub & { stop(): Promise<void> }
> {
  const local = new EventEmitter();
  // Thousands of open feeds listen on one emitter; that is the design, not a leak.
  local.setMaxListeners(0);
  const deliver = (notification: Notification) => local.emit(addedEvent(notification.recipientId), notification);

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
        deliver(fromWire(JSON.parse(text) as NotificationWire));
      } catch (error) {
        onError(error);
      }
    });
    await subscriber.subscribe(CHANNEL);
    publish = (notification) => {
      publisher.publish(CHANNEL, JSON.stringify(toWire(notification))).catch(onError);
      return true;
    };
    stop = async () => {
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    };
  }

  return {
    publishAdded: (notification) => {
      publish(notification);
    },
    subscribeAdded(userId) {
      // events.on() adds its listener now and buffers until read: what the live feed needs.
      const iterator = on(local, addedEvent(userId)) as AsyncIterableIterator<[Notification]>;
      return {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            const next = await iterator.next();
            return next.done ? { done: true, value: undefined } : { done: false, value: next.value[0] };
          },
          return: async () => {
            await iterator.return?.();
            return { done: true, value: undefined };
          },
        }),
      };
    },
    stop,
  };
}
