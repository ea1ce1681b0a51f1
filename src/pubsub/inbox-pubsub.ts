/**
 * Typed pub/sub for the live feeds. Delivery to subscribers is always in-process (one emitter
 * event per recipient); with Redis, every instance publishes to ONE channel that each instance
 * subscribed to, and awaited, at start. A per-recipient Redis channel would be subscribed lazily,
 * and an event published before that SUBSCRIBE took effect would be lost to a feed that had
 * already finished its replay.
 *
 * Redis is a live path, not a record: what it loses the store still holds. So this adapter says
 * when it may have lost something, and the feeds catch up from the store (see notifications/live.ts):
 * - the subscriber connection came back: a local `resync` to every open feed, once SUBSCRIBE is in
 *   effect again, so whatever was published while it was away is read from the store;
 * - a publish failed: the event is delivered to this instance's own feeds at once, and when the
 *   publisher is back it publishes a `resync` marker, so every other instance's feeds catch up too
 *   (their own subscriber may have come back before this publisher did).
 * Publishes fail fast while Redis is away (no offline queue): the store is the backlog.
 */
import { EventEmitter } from 'node:events';
import { pEventIterator } from 'p-event';
import { Redis } from 'ioredis';
import type { Notification } from '../notifications/notification.js';
import { inboxKey, inboxKeyString, inboxOfEvent, type InboxRef } from '../notifications/inbox-key.js';
import type { InboxEvent, InboxPubSub, TraceCarrier } from '../notifications/ports.js';
import { eventFromWire, eventToWire, RESYNC_WIRE, type PubSubWire } from './wire.js';

const CHANNEL = 'kafka-notify:inbox';
/** One emitter event per inbox (a user's in a workspace, or outside any), so a feed wakes for its own only. */
const inboxEvent = (inbox: InboxRef) => `inbox:${inboxKeyString(inbox)}`;
/** One local event for every feed at once; each feed turns it into its own `resync` event. */
const RESYNC = 'resync';
/** Reconnect attempts back off to at most this, so feeds catch up within a second of Redis answering. */
const MAX_RECONNECT_DELAY_MS = 400;

export interface PubSubListener {
  /**
   * Up is false while a Redis connection is away, or a publish failed and the publisher has not
   * yet told the other instances; told on each change, with the first error seen when it went.
   * How long and how many publishes failed is the listener's to count (onPublishFailed).
   */
  onStateChange?: (up: boolean, cause?: unknown) => void;
  /** One publish that failed; counted, never logged one by one. */
  onPublishFailed?: (error: unknown) => void;
  /** Open feeds were told to catch up from the store. */
  onResync?: () => void;
}

export interface InboxPubSubOptions extends PubSubListener {
  redisUrl?: string | undefined;
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

export async function createInboxPubSub({ redisUrl, onStateChange = () => {}, onPublishFailed = () => {}, onResync = () => {} }: InboxPubSubOptions = {}): Promise<
  InboxPubSub & { isUp(): boolean; stop(): Promise<void> }
> {
  const local = new EventEmitter();
  // Thousands of open feeds listen on one emitter; that is the design, not a leak.
  local.setMaxListeners(0);
  const deliver = (event: InboxEvent) => local.emit(inboxEvent(inboxOfEvent(event)), event);
  const resyncFeeds = () => {
    onResync();
    local.emit(RESYNC, true);
  };

  let up = true;
  let publish = deliver;
  let stop = async () => {};

  if (redisUrl) {
    const retryStrategy = (attempt: number) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS);
    // No offline queue: a publish while Redis is away fails at once instead of piling up in memory.
    const publisher = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy });
    // Subscribing is done here on every (re)connection, so that its completion is known.
    const subscriber = new Redis(redisUrl, { lazyConnect: true, autoResubscribe: false, retryStrategy });
    let stopping = false;
    let subscribed = false;
    let publisherOk = true;
    // Some publish failed since the publisher last told the other instances to resync.
    let missedPublishes = false;
    let firstError: unknown;

    // States are reported from the first subscription on: connecting is not an outage.
    let started = false;
    const update = () => {
      const now = subscribed && publisherOk;
      if (!started || stopping || now === up) return;
      up = now;
      onStateChange(up, up ? undefined : firstError);
      firstError = undefined;
    };
    // ioredis reports every failed reconnect attempt as an error: the first one of an outage is
    // kept for the state line, the rest are the same news.
    const wentAway = (error: unknown) => {
      firstError ??= error;
    };
    publisher.on('error', wentAway);
    subscriber.on('error', wentAway);

    let whenSubscribed!: () => void;
    const firstSubscribe = new Promise<void>((resolve) => (whenSubscribed = resolve));
    let initial = true;
    subscriber.on('ready', () => {
      subscriber.subscribe(CHANNEL).then(() => {
        subscribed = true;
        // Whatever was published while this connection was away is in the store only.
        if (!initial) resyncFeeds();
        initial = false;
        whenSubscribed();
        update();
      }, wentAway);
    });
    subscriber.on('close', () => {
      subscribed = false;
      update();
    });
    subscriber.on('message', (_channel: string, text: string) => {
      let wire: PubSubWire;
      try {
        wire = JSON.parse(text) as PubSubWire;
      } catch {
        return;
      }
      if ('resync' in wire) resyncFeeds();
      else deliver(eventFromWire(wire));
    });

    // The publisher is back once it has told every instance that it missed some: until then the
    // other instances' feeds may lack what failed here.
    let recovering = false;
    const recoverPublisher = () => {
      if (recovering || stopping || publisher.status !== 'ready') return;
      recovering = true;
      // Taken now: a publish that fails while the marker is on its way needs a marker of its own.
      const telling = missedPublishes;
      missedPublishes = false;
      const told = telling ? publisher.publish(CHANNEL, JSON.stringify(RESYNC_WIRE)) : Promise.resolve();
      told.then(
        () => {
          recovering = false;
          if (missedPublishes) return void setTimeout(recoverPublisher, MAX_RECONNECT_DELAY_MS).unref();
          publisherOk = true;
          update();
        },
        (error: unknown) => {
          recovering = false;
          missedPublishes ||= telling;
          wentAway(error);
          setTimeout(recoverPublisher, MAX_RECONNECT_DELAY_MS).unref();
        },
      );
    };
    publisher.on('ready', recoverPublisher);
    publisher.on('close', () => {
      publisherOk = false;
      update();
    });

    await Promise.all([publisher.connect(), subscriber.connect()]);
    await firstSubscribe;
    started = true;
    update();

    publish = (event) => {
      publisher.publish(CHANNEL, JSON.stringify(eventToWire(event))).catch((error: unknown) => {
        // The store has it; this instance's feeds get it now, the others' catch up when Redis is back.
        deliver(event);
        missedPublishes = true;
        onPublishFailed(error);
        wentAway(error);
        publisherOk = false;
        update();
        // A refusal on a live connection (no reconnect to wait for) is retried by a timer.
        setTimeout(recoverPublisher, MAX_RECONNECT_DELAY_MS).unref();
      });
      return true;
    };
    stop = async () => {
      stopping = true;
      await Promise.allSettled([subscriber.quit(), publisher.quit()]);
    };
  }

  function subscribeInbox(inbox: InboxRef): AsyncIterable<InboxEvent> {
    const { userId, workspaceId } = inboxKey(inbox);
    // Listening starts now and buffers until read: what a replaying feed needs. Not events.on():
    // its two preallocated 2,048-slot queues cost 32 KB per subscription, two thirds of what a
    // graphql-ws connection held in a heap snapshot at 3,000 connections; p-event's grow as used.
    const events = pEventIterator<string, InboxEvent | true>(local, [inboxEvent(inbox), RESYNC], { rejectionEvents: [] });
    const resync: InboxEvent = { userId, ...(workspaceId !== null && { workspaceId }), action: 'resync', notifications: [], ids: [] };
    return mapIterable(events, (event) => [event === true ? { ...resync } : event]);
  }

  return {
    publishAdded: (notification: Notification, trace?: TraceCarrier) =>
      void publish({
        userId: notification.recipientId,
        ...(notification.workspaceId && { workspaceId: notification.workspaceId }),
        action: 'added',
        notifications: [notification],
        ids: [notification.id],
        ...(trace && { trace }),
      }),
    publishChanged: (event) => void publish(event),
    subscribeInbox,
    isUp: () => up,
    stop,
  };
}
