/**
 * <Inbox />: the bell, and the feed in a popover under it, with its tabs (All, Unread, Archived)
 * and a gear button for the preferences per kind (inbox-panel.tsx). Opening it marks every
 * notification seen: the badge (unseen) drops to 0 in every tab, the feed still shows what is
 * unread. Escape or a click outside closes it and gives focus back to the bell.
 */
import { useEffect, useId, useRef, useState } from 'react';
import { NotificationBell } from './notification-bell.js';
import { InboxPanel, type InboxPanelProps } from './inbox-panel.js';
import { useMarkSeen } from './use-inbox-actions.js';

export interface InboxProps extends Omit<InboxPanelProps, 'className'> {
  /** Which edge of the bell the popover lines up with; default `end`. */
  align?: 'start' | 'end';
  defaultOpen?: boolean;
}

export function Inbox({ align = 'end', defaultOpen = false, tabs = true, ...feed }: InboxProps) {
  const [open, setOpen] = useState(defaultOpen);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);
  const bell = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const { markAllSeen } = useMarkSeen();

  useEffect(() => {
    if (!open) return;
    // Opening the bell, by a click or defaultOpen. A failure leaves the badge as it was; the next opening tries again.
    markAllSeen().catch(() => {});
    panel.current?.focus();
    const close = () => {
      setOpen(false);
      bell.current?.focus();
    };
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && close();
    const onPointer = (event: PointerEvent) => !root.current?.contains(event.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open, markAllSeen]);

  return (
    <div className="kn-theme kn-inbox" ref={root}>
      <NotificationBell ref={bell} aria-expanded={open} aria-controls={panelId} onClick={() => setOpen((was) => !was)} />
      {open && (
        <div id={panelId} ref={panel} className="kn-popover" data-align={align} role="dialog" aria-label={feed.heading ?? 'Notifications'} tabIndex={-1}>
          <InboxPanel tabs={tabs} {...feed} />
        </div>
      )}
    </div>
  );
}
