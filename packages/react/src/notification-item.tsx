/** One notification: who, what, when, where it leads, and its read state, with its actions. */
import type { Notification } from '@kafka-notify/client';
import { ArchiveIcon, CheckIcon } from './icons.js';
import { relativeTime } from './relative-time.js';
import { ActionButtons, type ActionHandler } from './action-buttons.js';

export interface NotificationItemProps {
  notification: Notification;
  now: number;
  onMarkRead(id: string): void;
  onArchive(id: string): void;
  /** Offers "Unarchive" instead of the archive button on an archived one, when given. */
  onUnarchive?(id: string): void;
  /** Offers "Snooze 1 h" and "Snooze until tomorrow" (9:00, local time) when given; "Unsnooze" on a snoozed one. */
  onSnooze?(id: string, until: Date): void;
  onUnsnooze?(id: string): void;
  /** Told the key of a key button once its press is recorded (URL buttons open their link). */
  onAction?: ActionHandler | undefined;
}

const HOUR = 60 * 60 * 1000;

/** Tomorrow at 9:00 in the browser's time zone. */
export function tomorrowMorning(now: number): Date {
  const at = new Date(now);
  at.setDate(at.getDate() + 1);
  at.setHours(9, 0, 0, 0);
  return at;
}

// The demo kinds by name; a team's own kind shows as its registered name (invoice.paid).
const KIND_LABELS: Record<string, string> = { follow: 'Follow', mention: 'Mention', like: 'Like', comment: 'Comment', system: 'System' };

export function NotificationItem({ notification, now, onMarkRead, onArchive, onUnarchive, onSnooze, onUnsnooze, onAction }: NotificationItemProps) {
  const unread = notification.status === 'UNREAD';
  const snoozed = notification.status === 'SNOOZED';
  const archived = notification.status === 'ARCHIVED';
  const actor = notification.sender?.name ?? 'System';
  const created = new Date(notification.createdAt);
  return (
    <li className="kn-item" data-status={notification.status} data-id={notification.id}>
      <span className="kn-avatar" data-kind={notification.kind} aria-hidden="true">
        {actor.slice(0, 1).toUpperCase()}
      </span>
      <div className="kn-item-body">
        <p className="kn-item-meta">
          {unread && <span className="kn-sr-only">Unread. </span>}
          <strong className="kn-actor">{actor}</strong>
          <span className="kn-kind">{KIND_LABELS[notification.kind] ?? notification.kind}</span>
          <time className="kn-time" dateTime={notification.createdAt} title={created.toLocaleString()}>
            {relativeTime(notification.createdAt, now)}
          </time>
        </p>
        <p className="kn-message">
          {notification.link ? (
            <a className="kn-link" href={notification.link} onClick={() => unread && onMarkRead(notification.id)}>
              {notification.message}
            </a>
          ) : (
            notification.message
          )}
        </p>
        <ActionButtons notification={notification} onAction={onAction} />
      </div>
      <div className="kn-item-actions">
        {unread && (
          <button type="button" className="kn-icon-button" aria-label={`Mark as read: ${notification.message}`} title="Mark as read" onClick={() => onMarkRead(notification.id)}>
            <CheckIcon />
          </button>
        )}
        {archived && onUnarchive ? (
          <button type="button" className="kn-text-button kn-snooze" aria-label={`Unarchive: ${notification.message}`} onClick={() => onUnarchive(notification.id)}>
            Unarchive
          </button>
        ) : (
          !archived && (
            <button type="button" className="kn-icon-button" aria-label={`Archive: ${notification.message}`} title="Archive" onClick={() => onArchive(notification.id)}>
              <ArchiveIcon />
            </button>
          )
        )}
        {onSnooze && !snoozed && !archived && (
          <>
            <button
              type="button"
              className="kn-text-button kn-snooze"
              aria-label={`Snooze 1 h: ${notification.message}`}
              onClick={() => onSnooze(notification.id, new Date(Date.now() + HOUR))}
            >
              Snooze 1 h
            </button>
            <button
              type="button"
              className="kn-text-button kn-snooze"
              aria-label={`Snooze until tomorrow: ${notification.message}`}
              onClick={() => onSnooze(notification.id, tomorrowMorning(Date.now()))}
            >
              Snooze until tomorrow
            </button>
          </>
        )}
        {onUnsnooze && snoozed && (
          <button type="button" className="kn-text-button kn-snooze" aria-label={`Unsnooze: ${notification.message}`} onClick={() => onUnsnooze(notification.id)}>
            Unsnooze
          </button>
        )}
      </div>
      {unread && <span className="kn-dot" aria-hidden="true" />}
    </li>
  );
}
