/**
 * The feed of items (issue 17, grouping): a page of an inbox's items, an item as it is now, and
 * opening an item, which reads every notification of it in one change and tells every tab, as
 * markNotificationsRead does (the `read` change, with the rows read and the absolute counts).
 * Which item a notification joins is decided by the store as it inserts it (see
 * store/group-assignment.ts for where, and why it is exact there).
 */
import DataLoader from 'dataloader';
import { decodeCursor } from './cursor.js';
import { badInput, NotifyError } from './errors.js';
import { decodeFeedItemId, type FeedFilter, type FeedItem, type FeedPage } from './feed-item.js';
import { assertInboxKey, inboxKey, inboxKeyString, type InboxKey, type InboxRef } from './inbox-key.js';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, type InboxEvent, type InboxPubSub, type NotificationStore } from './ports.js';

export interface FeedArgs {
  first?: number | null;
  after?: string | null;
  filter?: FeedFilter | null;
}

export interface FeedDeps {
  store: Pick<NotificationStore, 'listFeed' | 'feedItems' | 'markFeedItemRead'>;
  pubsub: Pick<InboxPubSub, 'publishChanged'>;
  now?: () => Date;
}

const sameInbox = (a: InboxKey, b: InboxKey) => a.userId === b.userId && a.workspaceId === b.workspaceId;

export function createFeed({ store, pubsub, now = () => new Date() }: FeedDeps) {
  // The items of the notifications one push (or one page) resolves, in one query per inbox. Never
  // cached: each push must read the item as it is after that notification was stored.
  const items = new DataLoader<{ inbox: InboxKey; itemSeq: number }, FeedItem | null, string>(
    async (keys) => {
      const byInbox = new Map<string, { inbox: InboxKey; seqs: number[] }>();
      for (const { inbox, itemSeq } of keys) {
        const entry = byInbox.get(inboxKeyString(inbox)) ?? { inbox, seqs: [] };
        entry.seqs.push(itemSeq);
        byInbox.set(inboxKeyString(inbox), entry);
      }
      const found = new Map<string, FeedItem | null>();
      await Promise.all(
        [...byInbox.entries()].map(async ([key, { inbox, seqs }]) => {
          const read = await store.feedItems(inbox, seqs);
          seqs.forEach((seq, index) => found.set(`${key}\u0000${seq}`, read[index] ?? null));
        }),
      );
      return keys.map(({ inbox, itemSeq }) => found.get(`${inboxKeyString(inbox)}\u0000${itemSeq}`) ?? null);
    },
    { cache: false, maxBatchSize: 500, cacheKeyFn: ({ inbox, itemSeq }) => `${inboxKeyString(inbox)}\u0000${itemSeq}` },
  );

  async function list(inbox: InboxRef, args: FeedArgs): Promise<FeedPage> {
    const { userId, workspaceId } = assertInboxKey(inbox);
    const first = args.first ?? PAGE_SIZE_DEFAULT;
    if (!Number.isInteger(first) || first < 0 || first > PAGE_SIZE_MAX) throw badInput(`first must be between 0 and ${PAGE_SIZE_MAX}`, 'first');
    const after = args.after ? decodeCursor(args.after, 'after') : undefined;
    return store.listFeed({
      userId,
      ...(workspaceId !== null && { workspaceId }),
      first,
      ...(after !== undefined && { after }),
      ...(args.filter?.status && { filter: { status: args.filter.status } }),
    });
  }

  /** The item as the default view (unread and read) shows it now; null when it shows none of it. */
  function item(inbox: InboxRef, itemSeq: number): Promise<FeedItem | null> {
    return items.load({ inbox: inboxKey(inbox), itemSeq });
  }

  /**
   * Opening an item: every unread notification of it read, in one statement. An id of another
   * inbox gets the answer of one that does not exist, as a notification id does.
   */
  async function markItemRead(inbox: InboxRef, id: string): Promise<InboxEvent> {
    const key = assertInboxKey(inbox);
    const named = decodeFeedItemId(id, 'id');
    const notFound = () => new NotifyError('NOTIFICATION_NOT_FOUND', `no feed item with id ${id} in this inbox`, { id });
    if (!sameInbox(named.inbox, key)) throw notFound();
    const read = await store.markFeedItemRead(key, named.itemSeq, now());
    if (read.length === 0 && (await store.feedItems(key, [named.itemSeq]))[0] === null) throw notFound();
    const event: InboxEvent = {
      userId: key.userId,
      ...(key.workspaceId !== null && { workspaceId: key.workspaceId }),
      action: 'read',
      ids: read.map((n) => n.id),
      notifications: read,
    };
    // Published even when nothing was left unread: the other tabs then re-read the count.
    pubsub.publishChanged(event);
    return event;
  }

  return { list, item, markItemRead };
}

export type Feed = ReturnType<typeof createFeed>;
