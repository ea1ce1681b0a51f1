/**
 * The feed of items (grouping): a group key's notifications as one item, "Emma and 4 others liked
 * your post", with the initials of its first actors, updated live as more arrive. Opening an item
 * (its button, or its link) reads the whole group.
 */
import type { FeedItem } from '@kafka-notify/client';
import { useNow, relativeTime } from './relative-time.js';
import { useFeedItems } from './use-feed-items.js';

export interface GroupedFeedProps {
  pageSize?: number;
  heading?: string;
  className?: string;
}

/** What a group of one kind did, after its actors; other kinds show their newest message. */
const DID: Record<string, string> = {
  LIKE: 'liked your post',
  COMMENT: 'commented on your post',
  FOLLOW: 'followed you',
  MENTION: 'mentioned you',
};

/** "Emma", "Emma and Bruno", "Emma and 4 others": the newest actor first. */
export function actorsPhrase(names: readonly string[], actorCount: number): string {
  const [first, second] = names;
  if (!first) return 'Someone';
  if (actorCount <= 1) return first;
  if (actorCount === 2 && second) return `${first} and ${second}`;
  const others = actorCount - 1;
  return `${first} and ${others} ${others === 1 ? 'other' : 'others'}`;
}

/** The line an item shows: a group's summary, or a single notification's own message. */
export function itemText(item: FeedItem): string {
  // Kinds are spelled in lower case by their registry, upper case by the enum of earlier servers.
  const did = DID[item.latest.kind.toUpperCase()];
  if (item.count <= 1 || !did) return item.latest.message;
  return `${actorsPhrase(item.actors.map((actor) => actor.name), item.actorCount)} ${did}`;
}

const initials = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part.slice(0, 1).toUpperCase())
    .join('');

function GroupedItem({ item, now, onOpen }: { item: FeedItem; now: number; onOpen(item: FeedItem): void }) {
  const unread = item.unreadCount > 0;
  const text = itemText(item);
  const actors = item.actors.length > 0 ? item.actors : [{ id: 'system', name: 'System' }];
  return (
    <li className="kn-item kn-group" data-status={unread ? 'UNREAD' : 'READ'} data-id={item.id} data-count={item.count}>
      <span className="kn-avatars" aria-hidden="true">
        {actors.map((actor) => (
          <span key={actor.id} className="kn-avatar" data-kind={item.latest.kind} title={actor.name}>
            {initials(actor.name)}
          </span>
        ))}
      </span>
      <div className="kn-item-body">
        <p className="kn-message">
          {unread && <span className="kn-sr-only">Unread. </span>}
          {item.latest.link ? (
            <a className="kn-link" href={item.latest.link} onClick={() => unread && onOpen(item)}>
              {text}
            </a>
          ) : (
            text
          )}
        </p>
        <p className="kn-item-meta">
          {item.count > 1 && <span className="kn-group-count">{item.unreadCount > 0 ? `${item.unreadCount} new of ${item.count}` : `${item.count}`}</span>}
          <time className="kn-time" dateTime={item.updatedAt} title={new Date(item.updatedAt).toLocaleString()}>
            {relativeTime(item.updatedAt, now)}
          </time>
        </p>
      </div>
      <div className="kn-item-actions">
        {unread && (
          <button type="button" className="kn-text-button" aria-label={`Open: ${text}`} onClick={() => onOpen(item)}>
            Open
          </button>
        )}
      </div>
    </li>
  );
}

export function GroupedFeed({ pageSize, heading = 'Activity', className }: GroupedFeedProps) {
  const feed = useFeedItems({ pageSize });
  const now = useNow();
  const open = (item: FeedItem) => void feed.markItemRead(item.id);
  return (
    <section className={['kn-theme', 'kn-feed', 'kn-grouped-feed', className].filter(Boolean).join(' ')} aria-label={heading}>
      <header className="kn-feed-header">
        <h2 className="kn-feed-title">{heading}</h2>
      </header>
      <div className="kn-scroll">
        {feed.error && <p className="kn-empty">Could not load: {feed.error.message}</p>}
        {!feed.loading && feed.items.length === 0 && !feed.error && <p className="kn-empty">You’re all caught up.</p>}
        <ul className="kn-list">
          {feed.items.map((item) => (
            <GroupedItem key={item.id} item={item} now={now} onOpen={open} />
          ))}
        </ul>
        {feed.hasMore && (
          <button type="button" className="kn-more" disabled={feed.loadingMore} onClick={() => void feed.loadMore()}>
            {feed.loadingMore ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </section>
  );
}
