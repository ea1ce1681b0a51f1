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
import { assertInboxKey, inboxKey, inboxOfEvent, type InboxRef } from './inbox-key.js';
import { assertNotificationIds } from './validation.js';

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

  async function list(inbox: InboxRef, args: PageArgs): Promise<NotificationPage> {
    const { userId, workspaceId } = assertInboxKey(inbox);
    const first = pageSize(args.first, 'first');
    const last = pageSize(args.last, 'last');
    if (first !== undefined && last !== undefined) throw badInput('pass first or last, not both', 'last');
    const after = args.after ? decodeCursor(args.after, 'after') : undefined;
    const before = args.before ? decodeCursor(args.before, 'before') : undefined;
    return store.listNotifications({
      userId,
      ...(workspaceId !== null && { workspaceId }),
      ...(last !== undefined ? { last } : { first: first ?? PAGE_SIZE_DEFAULT }),
      ...(after !== undefined && { after }),
      ...(before !== undefined && { before }),
      ...(args.filter && { filter: args.filter }),
      ...(args.countTotal === false && { countTotal: false }),
    });
  }

  async function unreadCount(inbox: InboxRef): Promise<number> {
    return store.unreadCount(assertInboxKey(inbox));
  }

  /** Unseen (the bell) and unread (the feed), from one counter row. */
  async function counts(inbox: InboxRef): Promise<InboxCounts> {
    return store.inboxCounts(assertInboxKey(inbox));
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
      read = store.inboxCounts(inboxOfEvent(event));
      countsAfter.set(event, read);
    }
    return read;
  }

  /** The named notifications, de-duplicated and in order, once every one is known to be in the inbox; otherwise nothing changes. */
  async function owned(inbox: InboxRef, ids: readonly string[], field = 'ids'): Promise<Notification[]> {
    const { userId, workspaceId } = assertInboxKey(inbox);
    const wanted = assertNotificationIds(ids, field);
    const found = new Map((await store.getNotifications(wanted)).map((n) => [n.id, n]));
    return wanted.map((id) => {
      const notification = found.get(id);
      // Someone else's notification gets the same answer as one that does not exist: ids derived
      // from an idempotency key can be guessed, and must not tell whether they were sent. One in
      // the user's inbox of another workspace is someone else's as far as this inbox is concerned.
      if (!notification || notification.recipientId !== userId || (notification.workspaceId ?? null) !== workspaceId) {
        throw new NotifyError('NOTIFICATION_NOT_FOUND', `no notification with id ${id} in this inbox`, { id });
      }
      return notification;
    });
  }

  function changed(inbox: InboxRef, action: InboxAction, ids: string[], notifications: Notification[]): InboxEvent {
    const { userId, workspaceId } = inboxKey(inbox);
    const event: InboxEvent = { userId, ...(workspaceId !== null && { workspaceId }), action, ids, notifications };
    // Published even when nothing actually changed state: the other tabs then re-read the count.
    pubsub.publishChanged(event);
    return event;
  }

  /**
   * Applies a change to named notifications, then reports them as they now are: the rows the
   * change returned, and for the ones it left alone (already read, say) the rows read before it.
   */
  async function change(
    inbox: InboxRef,
    ids: readonly string[],
    action: 'read' | 'unread' | 'archived' | 'unarchived' | 'seen' | 'snoozed' | 'unsnoozed',
    apply: (ids: string[]) => Promise<Notification[]>,
  ): Promise<InboxEvent> {
    const before = await owned(inbox, ids);
    const wanted = before.map((n) => n.id);
    const after = new Map((await apply(wanted)).map((n) => [n.id, n]));
    return changed(inbox, action, wanted, before.map((n) => after.get(n.id) ?? n));
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
    markRead: (inbox: InboxRef, ids: readonly string[]) => change(inbox, ids, 'read', (w) => store.markRead(inbox, w, now())),
    markUnread: (inbox: InboxRef, ids: readonly string[]) => change(inbox, ids, 'unread', (w) => store.markUnread(inbox, w)),
    archive: (inbox: InboxRef, ids: readonly string[]) => change(inbox, ids, 'archived', (w) => store.archive(inbox, w, now())),
    unarchive: (inbox: InboxRef, ids: readonly string[]) => change(inbox, ids, 'unarchived', (w) => store.unarchive(inbox, w)),
    markSeen: (inbox: InboxRef, ids: readonly string[]) => change(inbox, ids, 'seen', (w) => store.markSeen(inbox, w, now())),
    /** Out of the feed and its counts until `until`; a snoozed one gets the new time, an archived one stays archived. */
    async snooze(inbox: InboxRef, ids: readonly string[], until: Date): Promise<InboxEvent> {
      const at = snoozeTime(until);
      const event = await change(inbox, ids, 'snoozed', (w) => store.snooze(inbox, w, at));
      onSnoozed?.(at);
      return event;
    },
    unsnooze: (inbox: InboxRef, ids: readonly string[]) => change(inbox, ids, 'unsnoozed', (w) => store.unsnooze(inbox, w)),
    async markAllRead(inbox: InboxRef): Promise<InboxEvent> {
      await store.markAllRead(assertInboxKey(inbox), now());
      return changed(inbox, 'all_read', [], []);
    },
    /** What opening the bell does: the unseen count drops to 0, the unread one stays. */
    async markAllSeen(inbox: InboxRef): Promise<InboxEvent> {
      await store.markAllSeen(assertInboxKey(inbox), now());
      return changed(inbox, 'all_seen', [], []);
    },
    /**
     * Presses button `index` of one notification (actions.ts has the rules: the first press wins,
     * the same button again is answered as before); it is read, and so seen, with the press.
     */
    async pressAction(inbox: InboxRef, id: string, index: number): Promise<InboxEvent> {
      // One id: owned answers it or throws NOTIFICATION_NOT_FOUND.
      const current = async () => (await owned(inbox, [id], 'notificationId'))[0]!;
      const pressedEvent = (n: Notification) => changed(inbox, 'action_pressed', [n.id], [n]);
      const before = await current();
      assertButton(before, index);
      if (alreadyPressed(before, index)) return pressedEvent(before);
      const [pressed] = await store.pressAction(inbox, before.id, index, now());
      if (pressed) return pressedEvent(pressed);
      // Another tab pressed it meanwhile: answered by that press's rule (gone meanwhile: not found).
      const after = await current();
      if (!alreadyPressed(after, index)) throw new Error('the store pressed no button, and none is on record');
      return pressedEvent(after);
    },
    async delete(inbox: InboxRef, ids: readonly string[]): Promise<InboxEvent> {
      const wanted = (await owned(inbox, ids)).map((n) => n.id);
      const deleted = await store.delete(inbox, wanted);
      return changed(inbox, 'deleted', deleted, []);
    },
  };
}

export type Inbox = ReturnType<typeof createInbox>;
