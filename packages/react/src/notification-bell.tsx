/**
 * A bell button with the live unseen badge (new since the bell was last opened; the feed shows
 * what is unread); its accessible name says the count. `data-unseen` and `data-unread` carry
 * both counts for styles and tests.
 */
import { forwardRef, type ButtonHTMLAttributes } from 'react';
import { BellIcon } from './icons.js';
import { useUnreadCount } from './use-unread-count.js';
import { useUnseenCount } from './use-unseen-count.js';

export type NotificationBellProps = ButtonHTMLAttributes<HTMLButtonElement>;

export const NotificationBell = forwardRef<HTMLButtonElement, NotificationBellProps>(function NotificationBell({ className, ...props }, ref) {
  const { count } = useUnseenCount();
  const { count: unread } = useUnreadCount();
  return (
    <button
      ref={ref}
      type="button"
      className={['kn-theme', 'kn-bell', className].filter(Boolean).join(' ')}
      aria-label={count > 0 ? `Notifications, ${count} new` : 'Notifications'}
      data-unseen={count}
      data-unread={unread}
      {...props}
    >
      <BellIcon />
      {count > 0 && (
        <span className="kn-badge" aria-hidden="true">
          {count > 99 ? '99+' : count}
        </span>
      )}
    </button>
  );
});
