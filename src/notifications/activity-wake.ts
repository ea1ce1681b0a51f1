/**
 * The store with the relay woken after every inbox state change it committed: the change's outbox
 * rows are then produced at once instead of at the relay's next poll. Woken whatever the change
 * returned (a change of nothing costs the relay one empty claim), and only once the statement
 * resolved, so the rows are committed by the time the relay looks.
 */
import type { NotificationStore } from './ports.js';

type Change = 'markRead' | 'markUnread' | 'markAllRead' | 'archive' | 'unarchive' | 'markSeen' | 'markAllSeen' | 'delete' | 'markFeedItemRead';

/** Every method that writes activity outbox rows (notification-store.ts). */
const CHANGES: readonly Change[] = ['markRead', 'markUnread', 'markAllRead', 'archive', 'unarchive', 'markSeen', 'markAllSeen', 'delete', 'markFeedItemRead'];

export function wakeOnActivity(store: NotificationStore, wake: () => void): NotificationStore {
  const woken = Object.fromEntries(
    CHANGES.map((name) => [
      name,
      async (...args: unknown[]) => {
        const result: unknown = await (store[name] as (...a: unknown[]) => Promise<unknown>)(...args);
        wake();
        return result;
      },
    ]),
  ) as Pick<NotificationStore, Change>;
  // Spread, not a Proxy: the store is a plain object of methods (timedStore's), none using `this`.
  return { ...store, ...woken };
}
