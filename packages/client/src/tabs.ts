/**
 * An inbox's tabs as feed filters: All (unread and read, the default feed), Unread, Archived, and
 * Snoozed. A tab is only a status filter, so each is an ordinary feed (its own first page and live
 * stream) and the reducer keeps it right as notifications move between tabs (feed-state.ts).
 */
import type { NotificationFilter } from './operations.js';

export type InboxTab = 'all' | 'unread' | 'archived' | 'snoozed';

/** The tabs an inbox shows by default, in order. */
export const INBOX_TABS: readonly InboxTab[] = ['all', 'unread', 'archived'];

type Status = NonNullable<NotificationFilter['status']>[number];

const STATUSES: Record<Exclude<InboxTab, 'all'>, Status[]> = {
  unread: ['UNREAD'],
  archived: ['ARCHIVED'],
  snoozed: ['SNOOZED'],
};

/** The feed filter of `tab`, keeping the kinds of `filter`; `all` leaves `filter` as it is. */
export function tabFilter(tab: InboxTab, filter?: NotificationFilter): NotificationFilter | undefined {
  if (tab === 'all') return filter;
  return { ...filter, status: STATUSES[tab] };
}
