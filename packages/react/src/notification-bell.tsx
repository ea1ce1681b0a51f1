/** A bell button with the live unread badge; its accessible name says the count. */
import { forwardRef, type ButtonHTMLAttributes } from 'react';
import { BellIcon } from './icons.js';
import { useUnreadCount } from './use-unread-count.js';

export type NotificationBellProps = ButtonHTMLAttributes<HTMLButtonElement>;

export const NotificationBell = forwardRef<HTMLButtonElement, NotificationBellProps>(function NotificationBell({ className, ...props }, ref) {
  const { count } = useUnreadCount();
  return (
    <button
      ref={ref}
      type="button"
      className={['kn-theme', 'kn-bell', className].filter(Boolean).join(' ')}
      aria-label={count > 0 ? `Notifications, ${count} unread` : 'Notifications'}
      data-unread={count}
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
