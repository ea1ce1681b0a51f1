/**
 * The store with every call timed, by operation (its method name: a fixed set) and outcome.
 * A decorator, so the store itself stays free of metrics and the domain sees the same port.
 */
import type { NotificationStore } from '../notifications/ports.js';
import type { Metrics } from './metrics.js';

type Operation = Exclude<keyof NotificationStore, 'close'>;

export function timedStore(store: NotificationStore, histogram: Metrics['storeSeconds']): NotificationStore {
  const timed = <K extends Operation>(operation: K) =>
    (async (...args: unknown[]) => {
      const end = histogram.startTimer({ operation });
      try {
        const result: unknown = await (store[operation] as (...a: unknown[]) => Promise<unknown>)(...args);
        end({ outcome: 'ok' });
        return result;
      } catch (error) {
        end({ outcome: 'error' });
        throw error;
      }
    }) as NotificationStore[K];
  return {
    insertNotifications: timed('insertNotifications'),
    listNotifications: timed('listNotifications'),
    listNotificationsAfter: timed('listNotificationsAfter'),
    getNotifications: timed('getNotifications'),
    unreadCount: timed('unreadCount'),
    inboxCounts: timed('inboxCounts'),
    lastSeqs: timed('lastSeqs'),
    markRead: timed('markRead'),
    markUnread: timed('markUnread'),
    markAllRead: timed('markAllRead'),
    archive: timed('archive'),
    unarchive: timed('unarchive'),
    markSeen: timed('markSeen'),
    markAllSeen: timed('markAllSeen'),
    snooze: timed('snooze'),
    unsnooze: timed('unsnooze'),
    listFeed: timed('listFeed'),
    feedItems: timed('feedItems'),
    markFeedItemRead: timed('markFeedItemRead'),
    wakeSnoozed: timed('wakeSnoozed'),
    nextSnoozeDue: timed('nextSnoozeDue'),
    pressAction: timed('pressAction'),
    delete: timed('delete'),
    deleteCreatedBefore: timed('deleteCreatedBefore'),
    listUsers: timed('listUsers'),
    getUsers: timed('getUsers'),
    seedUsers: timed('seedUsers'),
    upsertUser: timed('upsertUser'),
    subscribeToTopic: timed('subscribeToTopic'),
    unsubscribeFromTopic: timed('unsubscribeFromTopic'),
    listTopicSubscribers: timed('listTopicSubscribers'),
    broadcastProgress: timed('broadcastProgress'),
    recordBroadcastProgress: timed('recordBroadcastProgress'),
    claimActivity: timed('claimActivity'),
    deleteActivity: timed('deleteActivity'),
    releaseActivity: timed('releaseActivity'),
    activityBacklog: timed('activityBacklog'),
    getPreferences: timed('getPreferences'),
    setPreferences: timed('setPreferences'),
    mutedPairs: timed('mutedPairs'),
    digestRouting: timed('digestRouting'),
    addDigestItems: timed('addDigestItems'),
    claimDueDigests: timed('claimDueDigests'),
    closeDigests: timed('closeDigests'),
    nextDigestDue: timed('nextDigestDue'),
    pruneDigests: timed('pruneDigests'),
    digestBacklog: timed('digestBacklog'),
    listKinds: timed('listKinds'),
    upsertKinds: timed('upsertKinds'),
    ping: timed('ping'),
    close: () => store.close(),
  };
}
