/**
 * The live feed of one recipient. With a cursor it first replays what the store holds after it,
 * then goes live; listening starts BEFORE the replay reads, and the per-recipient seq drops
 * whatever the two have in common, so there is no gap and no duplicate at the seam.
 *
 * The live path (pub/sub, Redis across instances) may lose events: a connection drops, a publish
 * fails. So the feed never trusts it to be complete. It knows the last seq it handed over, and
 * whenever something newer than the next one arrives, or the pub/sub says it may have lost events
 * (`resync`), it reads the store after that seq before going on: a feed never skips a seq the
 * store holds, and catches up by itself, without the client reconnecting.
 *
 * A live push of an event that carries a trace context is a span of the send's trace (tracing.ts);
 * what the store replays or catches up is not the continuation of a send, and is pushed untraced.
 */
import DataLoader from 'dataloader';
import { decodeCursor } from './cursor.js';
import type { Notification } from './notification.js';
import { NO_TELEMETRY, type InboxEvent, type InboxPubSub, type NotificationStore, type NotifyTelemetry, type PushSource } from './ports.js';
import { startPushSpan } from './tracing.js';
import { assertInboxKey, type InboxKey, type InboxRef } from './inbox-key.js';

const REPLAY_PAGE = 200;

export interface LiveFeedDeps {
  store: Pick<NotificationStore, 'listNotificationsAfter' | 'lastSeqs'>;
  pubsub: Pick<InboxPubSub, 'subscribeInbox'>;
  telemetry?: Pick<NotifyTelemetry, 'pushed'>;
}

export function createLiveFeed({ store, pubsub, telemetry = NO_TELEMETRY }: LiveFeedDeps) {
  // A resync reaches every open feed in the same tick: one query tells which of them missed
  // anything, instead of one read per feed (thousands at once on a busy instance).
  const newestSeq = new DataLoader<InboxKey, number>((inboxes) => store.lastSeqs(inboxes), { cache: false, maxBatchSize: 1_000 });

  /** `inbox`: the user's inbox in a workspace, or (a user id) outside any; its seq, rows and events only. */
  function added(inbox: InboxRef, after?: string | null): AsyncIterable<Notification> {
    const key = assertInboxKey(inbox);
    const afterSeq = after ? decodeCursor(after, 'after') : undefined;
    // Subscribe now, synchronously, so nothing published while the replay reads is lost.
    const live = pubsub.subscribeInbox(key)[Symbol.asyncIterator]();
    return {
      [Symbol.asyncIterator]() {
        const generator = feed(key, afterSeq, live);
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

  async function* feed(inbox: InboxKey, afterSeq: number | undefined, live: AsyncIterator<InboxEvent>) {
    let last = 0;
    /** Everything the store holds after `last`, oldest first, in pages. */
    async function* fromStore(source: PushSource) {
      for (;;) {
        const page = await store.listNotificationsAfter(inbox, last, REPLAY_PAGE);
        for (const notification of page) {
          last = notification.seq;
          telemetry.pushed(notification, source);
          yield notification;
        }
        if (page.length < REPLAY_PAGE) return;
      }
    }

    try {
      if (afterSeq !== undefined) {
        last = afterSeq;
        yield* fromStore('replay');
      }
      // Without a cursor the feed starts at the inbox as it was when it subscribed, so that a gap
      // or a resync has a position to catch up from even before the first push; but a push that
      // arrives anyway was published after listening began, and is not held back by that read.
      let startsAtFirstPush = afterSeq === undefined;
      if (startsAtFirstPush) last = await newestSeq.load(inbox);
      for (;;) {
        const next = await live.next();
        if (next.done) return;
        const event = next.value;
        if (event.action === 'resync') {
          if ((await newestSeq.load(inbox)) > last) yield* fromStore('catchup');
          continue;
        }
        if (event.action !== 'added') continue;
        for (const notification of event.notifications) {
          if (startsAtFirstPush) last = Math.min(last, notification.seq - 1);
          startsAtFirstPush = false;
          if (notification.seq <= last) continue;
          // Something between was not pushed (or was skipped or deleted): the store decides which.
          if (notification.seq > last + 1) yield* fromStore('catchup');
          if (notification.seq <= last) continue;
          last = notification.seq;
          telemetry.pushed(notification, 'live');
          if (!event.trace) {
            yield notification;
            continue;
          }
          const span = startPushSpan(event.trace, notification, 'live');
          try {
            yield notification;
          } finally {
            // Also when the subscriber leaves while holding it.
            span.end();
          }
        }
      }
    } finally {
      await live.return?.();
    }
  }

  /** Every change to the inbox (added, read, archived, …, and resync after an interruption), live. */
  function changes(inbox: InboxRef): AsyncIterable<InboxEvent> {
    return pubsub.subscribeInbox(assertInboxKey(inbox));
  }

  return { added, changes };
}

export type LiveFeed = ReturnType<typeof createLiveFeed>;
