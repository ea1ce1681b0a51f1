/**
 * The feed: newest first, older pages loaded as the end scrolls into view (and by a button, for
 * keyboards and for browsers without IntersectionObserver), unread ones marked, each with its
 * actions, and "Mark all as read". With `tabs`, All / Unread / Archived (/ Snoozed) above it:
 * each tab is its own live feed, and an archived one can be unarchived from its tab.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { INBOX_TABS, type InboxTab, type NotificationFilter } from '@kafka-notify/client';
import { FeedTabs } from './feed-tabs.js';
import type { ActionHandler } from './action-buttons.js';
import { NotificationItem } from './notification-item.js';
import { useNow } from './relative-time.js';
import { useArchive, useMarkRead, useSnooze } from './use-inbox-actions.js';
import { useNotifications } from './use-notifications.js';
import { useUnreadCount } from './use-unread-count.js';

export interface NotificationFeedProps {
  filter?: NotificationFilter;
  pageSize?: number;
  heading?: string;
  className?: string;
  /** Told the key of a notification's key button once its press is recorded, with the notification. */
  onAction?: ActionHandler;
  /** Tabs above the feed: `true` for All, Unread and Archived, or the tabs to show, in order. Default: none. */
  tabs?: boolean | readonly InboxTab[];
  /** The tab shown first; default the first one. */
  defaultTab?: InboxTab;
  /** Beside "Mark all as read" (where <Inbox /> puts its preferences button). */
  headerActions?: ReactNode;
}

const EMPTY: Record<InboxTab, string> = {
  all: 'You’re all caught up.',
  unread: 'Nothing unread.',
  archived: 'Nothing archived.',
  snoozed: 'Nothing snoozed.',
};

export function NotificationFeed({ filter, pageSize, heading = 'Notifications', className, onAction, tabs = false, defaultTab, headerActions }: NotificationFeedProps) {
  const tabList = tabs === true ? INBOX_TABS : tabs || [];
  const [selected, setSelected] = useState<InboxTab>(defaultTab ?? tabList[0] ?? 'all');
  const tab = tabList.length > 0 ? selected : 'all';
  const tabIds = useId();
  const feed = useNotifications({ filter, pageSize, tab });
  const { count } = useUnreadCount();
  const { markRead, markAllRead } = useMarkRead();
  const { archive, unarchive } = useArchive();
  const { snooze, unsnooze } = useSnooze();
  const now = useNow();
  const scroller = useRef<HTMLDivElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const { hasMore, loadMore } = feed;

  useEffect(() => {
    if (!hasMore || !end.current || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && void loadMore(), { root: scroller.current, rootMargin: '120px' });
    observer.observe(end.current);
    return () => observer.disconnect();
  }, [hasMore, loadMore]);

  return (
    <section className={['kn-theme', 'kn-feed', className].filter(Boolean).join(' ')} aria-label={heading}>
      <header className="kn-feed-header">
        <h2 className="kn-feed-title">{heading}</h2>
        <div className="kn-feed-actions">
          <button type="button" className="kn-text-button" onClick={() => void markAllRead()} disabled={count === 0}>
            Mark all as read
          </button>
          {headerActions}
        </div>
      </header>
      {tabList.length > 0 && <FeedTabs tabs={tabList} selected={tab} onSelect={setSelected} idPrefix={tabIds} label={`${heading}, by status`} />}
      <div
        className="kn-scroll"
        ref={scroller}
        {...(tabList.length > 0 && { id: `${tabIds}-panel`, role: 'tabpanel', 'aria-labelledby': `${tabIds}-${tab}`, 'data-tab': tab })}
      >
        {feed.loading ? (
          <p className="kn-empty">Loading…</p>
        ) : feed.notifications.length === 0 ? (
          <p className="kn-empty">{EMPTY[tab]}</p>
        ) : (
          <ul className="kn-list">
            {feed.notifications.map((notification) => (
              <NotificationItem
                key={notification.id}
                notification={notification}
                now={now}
                onMarkRead={(id) => void markRead([id])}
                onArchive={(id) => void archive([id])}
                onUnarchive={(id) => void unarchive([id])}
                onSnooze={(id, until) => void snooze([id], until)}
                onAction={onAction}
                onUnsnooze={(id) => void unsnooze([id])}
              />
            ))}
          </ul>
        )}
        {hasMore && (
          <div ref={end} className="kn-more">
            <button type="button" className="kn-text-button" onClick={() => void loadMore()} disabled={feed.loadingMore}>
              {feed.loadingMore ? 'Loading…' : 'Load older'}
            </button>
          </div>
        )}
        {feed.error && (
          <p className="kn-error" role="alert">
            Could not load notifications: {feed.error.message}
          </p>
        )}
      </div>
    </section>
  );
}
