/**
 * The feed's tabs (All, Unread, Archived, and Snoozed when asked for), as the WAI-ARIA tabs
 * pattern has them: one tab stop, the arrow keys (and Home, End) move between tabs and select
 * the one they reach, and the feed under them is the tab panel. Unread carries the live unread
 * count.
 */
import type { InboxTab } from '@kafka-notify/client';
import { useRef, type KeyboardEvent } from 'react';
import { useUnreadCount } from './use-unread-count.js';

export const TAB_LABELS: Record<InboxTab, string> = { all: 'All', unread: 'Unread', archived: 'Archived', snoozed: 'Snoozed' };

export interface FeedTabsProps {
  tabs: readonly InboxTab[];
  selected: InboxTab;
  onSelect(tab: InboxTab): void;
  /** The id of each tab is `${idPrefix}-${tab}`; the panel's is `${idPrefix}-panel`. */
  idPrefix: string;
  label: string;
}

export function FeedTabs({ tabs, selected, onSelect, idPrefix, label }: FeedTabsProps) {
  const { count } = useUnreadCount();
  const list = useRef<HTMLDivElement>(null);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.indexOf(selected);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const tab = tabs[(next + tabs.length) % tabs.length]!;
    onSelect(tab);
    list.current?.querySelector<HTMLButtonElement>(`[data-tab="${tab}"]`)?.focus();
  };

  return (
    <div className="kn-tabs" role="tablist" aria-label={label} ref={list} onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          key={tab}
          type="button"
          role="tab"
          id={`${idPrefix}-${tab}`}
          className="kn-tab"
          data-tab={tab}
          aria-selected={tab === selected}
          aria-controls={`${idPrefix}-panel`}
          tabIndex={tab === selected ? 0 : -1}
          onClick={() => onSelect(tab)}
        >
          {TAB_LABELS[tab]}
          {tab === 'unread' && count > 0 && <span className="kn-tab-count">{count > 99 ? '99+' : count}</span>}
        </button>
      ))}
    </div>
  );
}
