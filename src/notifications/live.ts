/**
 * The live feed of one recipient. With a cursor it first replays what the store holds after it,
 * then goes live; listening starts BEFORE the replay reads, and the per-recipient seq drops
 * whatever the two have in common, so there is no gap and no duplicate at the seam.
 */
import { decodeCursor } from './cursor.js';
import type { Notification } from './notification.js';
import { NO_TELEMETRY, type InboxEvent, type InboxPubSub, type NotificationStore, type NotifyTelemetry } from './ports.js';
import { assertUserId } from './validation.js';

const REPLAY_PAGE = 200;

export interface LiveFeedDeps {
  store: NotificationStore;
  pubsub: InboxPubSub;
  telemetry?: Pick<NotifyTelemetry, 'pushed'>;
}

export function createLiveFeed({ store, pubsub, telemetry = NO_TELEMETRY }: LiveFeedDeps) {
  function added(userId: string, after?: string | null): AsyncIterable<Notification> {
    assertUserId(userId, 'userId');
    const afterSeq = after ? decodeCursor(after, 'after') : undefined;
    // Subscribe now, synchronously, so nothing published while the replay reads is lost.
    const live = pubsub.subscribeAdded(userId)[Symbol.asyncIterator]();
    return {
      [Symbol.asyncIterator]() {
        const generator = feed(userId, afterSeq, live);
        return {
          next: () => generator.next(),
          // A generator's return() waits for its pending await; ending `live` first releases that
          // await, so a client that leaves while nothing is arriving is cleaned up at once.
          async return() {
            await live.return?.();
            return generator.return(undefined);
          },
        };
      },
    };
  }

  async function* feed(userId: string, afterSeq: number | undefined, live: AsyncIterator<Notification>) {
    try {
      let last = afterSeq ?? -1;
      if (afterSeq !== undefined) {
        for (;;) {
          const page = await store.listNotificationsAfter(userId, last, REPLAY_PAGE);
          for (const notification of page) {
            last = notification.seq;
            telemetry.pushed(notification, 'replay');
            yield notification;
          }
          if (page.length < REPLAY_PAGE) break;
        }
      }
      for (;;) {
        const next = await live.next();
        if (next.done) return;
        if (next.value.seq <= last) continue;
        last = next.value.seq;
        telemetry.pushed(next.value, 'live');
        yield next.value;
      }
    } finally {
      await live.return?.();
    }
  }

  /** Every change to the inbox (added, read, archived, …), live, for badges and other open tabs. */
  function changes(userId: string): AsyncIterable<InboxEvent> {
    return pubsub.subscribeInbox(assertUserId(userId, 'userId'));
  }

  return { added, changes };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
