/**
 * A recipient's inbox: reading it, and changing seen/read/archive state. Paging arguments and
 * ownership are checked here, once, for every transport; every committed change is published
 * so that all open tabs of the user agree.
 */
import { alreadyPressed, assertButton } from './actions.js';
import { decodeCursor } from './cursor.js';
import { badInput, NotifyError } from './errors.js';
import type { Notification } from './notification.js';
import {
  PAGE_SIZE_DEFAULT,
  PAGE_SIZE_MAX,
  type InboxAction,
  type InboxCounts,
  type InboxEvent,
  type InboxPubSub,
  type NotificationFilter,
  type NotificationPage,
  type NotificationStore,
} from './ports.js';
import { assertNotificationIds, assertUserId } from './validation.js';


export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  filter?: NotificationFilter | null;
  /** Default true; see NotificationPageQuery.countTotal for what it costs. */
  countTotal?: boolean;
}

/** How far ahead a notification may be snoozed. */
export const SNOOZE_MAX_MS = 365 * 24 * 60 * 60 * 1000;

export interface InboxDeps {
  store: NotificationStore;
  pubsub: Pick<InboxPubSub, 'publishChanged'>;
  now?: () => Date;
  /** Told the time of every snooze made here, so the wake-up arms a timer for it (snooze.ts). */
  onSnoozed?: (until: Date) => void;
}

export function createInbox({ store, pubsub, now = () => new Date(), onSnoozed }: InboxDeps) {
  function pageSize(value: number | null | undefined, field: string): number | undefined {
    if (value === null || value === undefined) return undefined;
    if (!Number.isInteger(value) || value < 0 || value > PAGE_SIZE_MAX) {
      throw badInput(`${field} must be between 0 and ${PAGE_SIZE_MAX}`, field);
    }
    return value;
  }

  async function list(userId: string, args: PageArgs): Promise<NotificationPage> {
    assertUserId(userId, 'userId');
    const first = pageSize(args.first, 'first');
    const last = pageSize(args.last, 'last');
    if (first !== undefined && last !== undefined) throw badInput('pass first or last, not both', 'last');
    const after = args.after ? decodeCursor(args.after, 'after') : undefined;
    const before = args.before ? decodeCursor(args.before, 'before') : undefined;
    return store.listNotifications({
      userId,
      ...(last !== undefined ? { last } : { first: first ?? PAGE_SIZE_DEFAULT }),
      ...(after !== undefined && { after }),
      ...(before !== undefined && { before }),
      ...(args.filter && { filter: args.filter }),
      ...(args.countTotal === false && { countTotal: false }),
    });
  }

  async function unreadCount(userId: string): Promise<number> {
    return store.unreadCount(assertUserId(userId, 'userId'));
  }

  /** Unseen (the bell) and unread (the feed), from one counter row. */
  async function counts(userId: string): Promise<InboxCounts> {
    return store.inboxCounts(assertUserId(userId, 'userId'));
  }

  // One read of the counts per change, shared by every feed of this instance that delivers it,
  // and by both counts of it: 200 open tabs must not mean 200 reads. It is still read after the
  // change committed (one counter row), not taken from the change's own transaction: events of
  // one inbox may be published out of commit order, and counts read when the push goes out are
  // never older than the latest change pushed before it, so the last push carries the latest.
  const countsAfter = new WeakMap<InboxEvent, Promise<InboxCounts>>();
  function countsAfterChange(event: InboxEvent): Promise<InboxCounts> {
    let read = countsAfter.get(event);
    if (!read) {
      read = store.inboxCounts(event.userId);
      countsAfter.set(event, read);
    }
    return read;
  }

  /** The named notifications, de-duplicated and in order, once every one is known to belong to `userId`; otherwise nothing changes. */
  async function owned(userId: string, ids: readonly string[], field = 'ids'): Promise<Notification[]> {
    assertUserId(userId, 'userId');
    const wanted = assertNotificationIds(ids, field);
    const found = new Map((await store.getNotifications(wanted)).map((n) => [n.id, n]));
    return wanted.map((id) => {
      const notification = found.get(id);
      // Someone else's notification gets the same answer as one that does not exist: ids derived
      // from an idempotency key can be guessed, and must not tell whether they were sent.
      if (!notification || notification.recipientId !== userId) {
        throw new NotifyError('NOTIFICATION_NOT_FOUND', `no notification with id ${id} in this inbox`, { id });
      }
      return notification;
    });
  }

  function changed(userId: string, action: InboxAction, ids: string[], notifications: Notification[]): InboxEvent {
    const event: InboxEvent = { userId, action, ids, notifications };
    // Published even when nothing actually changed state: the other tabs then re-read the count.
    pubsub.publishChanged(event);
    return event;
  }

  /**
   * Applies a change to named notifications, then reports them as they now are: the rows the
   * change returned, and for the ones it left alone (already read, say) the rows read before it.
   */
  async function change(
    userId: string,
    ids: readonly string[],
    action: 'read' | 'unread' | 'archived' | 'unarchived' | 'seen' | 'snoozed' | 'unsnoozed',
    apply: (ids: string[]) => Promise<Notification[]>,
  ): Promise<InboxEvent> {
    const before = await owned(userId, ids);
    const wanted = before.map((n) => n.id);
    const after = new Map((await apply(wanted)).map((n) => [n.id, n]));
    return changed(userId, action, wanted, before.map((n) => after.get(n.id) ?? n));
  }

  /** In the future, and at most SNOOZE_MAX_MS ahead. */
  function snoozeTime(until: Date): Date {
    const at = now().getTime();
    if (Number.isNaN(until.getTime()) || until.getTime() <= at) throw badInput('until must be in the future', 'until');
    if (until.getTime() - at > SNOOZE_MAX_MS) throw badInput('until must be at most one year ahead', 'until');
    return until;
  }

  return {
    list,
    unreadCount,
    counts,
    countsAfter: countsAfterChange,
    markRead: (userId: string, ids: readonly string[]) => change(userId, ids, 'read', (w) => store.markRead(userId, w, now())),
    markUnread: (userId: string, ids: readonly string[]) => change(userId, ids, 'unread', (w) => store.markUnread(userId, w)),
    archive: (userId: string, ids: readonly string[]) => change(userId, ids, 'archived', (w) => store.archive(userId, w, now())),
    unarchive: (userId: string, ids: readonly string[]) => change(userId, ids, 'unarchived', (w) => store.unarchive(userId, w)),
    markSeen: (userId: string, ids: readonly string[]) => change(userId, ids, 'seen', (w) => store.markSeen(userId, w, now())),
    /** Out of the feed and its counts until `until`; a snoozed one gets the new time, an archived one stays archived. */
    async snooze(userId: string, ids: readonly string[], until: Date): Promise<InboxEvent> {
      const at = snoozeTime(until);
      const event = await change(userId, ids, 'snoozed', (w) => store.snooze(userId, w, at));
      onSnoozed?.(at);
      return event;
    },
    unsnooze: (userId: string, ids: readonly string[]) => change(userId, ids, 'unsnoozed', (w) => store.unsnooze(userId, w)),
    async markAllRead(userId: string): Promise<InboxEvent> {
      await store.markAllRead(assertUserId(userId, 'userId'), now());
      return changed(userId, 'all_read', [], []);
    },
    /** What opening the bell does: the unseen count drops to 0, the unread one stays. */
    async markAllSeen(userId: string): Promise<InboxEvent> {
      await store.markAllSeen(assertUserId(userId, 'userId'), now());
      return changed(userId, 'all_seen', [], []);
    },
    /**
     * Presses button `index` of one notification (actions.ts has the rules: the first press wins,
     * the same button again is answered as before); it is read, and so seen, with the press.
     */
    async pressAction(userId: string, id: string, index: number): Promise<InboxEvent> {
      // One id: owned answers it or throws NOTIFICATION_NOT_FOUND.
      const current = async () => (await owned(userId, [id], 'notificationId'))[0]!;
      const pressedEvent = (n: Notification) => changed(userId, 'action_pressed', [n.id], [n]);
      const before = await current();
      assertButton(before, index);
      if (alreadyPressed(before, index)) return pressedEvent(before);
      const [pressed] = await store.pressAction(userId, before.id, index, now());
      if (pressed) return pressedEvent(pressed);
      // Another tab pressed it meanwhile: answered by that press's rule (gone meanwhile: not found).
      const after = await current();
      if (!alreadyPressed(after, index)) throw new Error('the store pressed no button, and none is on record');
      return pressedEvent(after);
    },
    async delete(userId: string, ids: readonly string[]): Promise<InboxEvent> {
      const wanted = (await owned(userId, ids)).map((n) => n.id);
      const deleted = await store.delete(userId, wanted);
      return changed(userId, 'deleted', deleted, []);
    },
  };
}

export type Inbox = ReturnType<typeof createInbox>;
