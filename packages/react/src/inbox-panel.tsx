/**
 * What <Inbox />'s popover holds: the feed (with its tabs), or, from the gear button in the feed's
 * header, the preferences per kind. Focus follows the view: into the preferences (their heading's
 * region) when they open; back to the gear button when "Back" or Escape closes them (Escape there
 * goes back to the feed; Escape on the feed closes the popover, as <Inbox /> does).
 */
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { BackIcon, GearIcon } from './icons.js';
import { NotificationFeed, type NotificationFeedProps } from './notification-feed.js';
import { Preferences } from './preferences.js';

export interface InboxPanelProps extends Omit<NotificationFeedProps, 'headerActions'> {
  /** Offer the preferences (a gear button in the feed's header); default true. */
  preferences?: boolean;
}

export function InboxPanel({ preferences = true, ...feed }: InboxPanelProps) {
  const [view, setView] = useState<'feed' | 'preferences'>('feed');
  const gear = useRef<HTMLButtonElement>(null);
  const settings = useRef<HTMLElement>(null);
  const headingId = useId();
  // Moves focus only after a switch, never when the popover first opens (<Inbox /> focuses it).
  const switched = useRef(false);

  useEffect(() => {
    if (!switched.current) return;
    (view === 'preferences' ? settings.current : gear.current)?.focus();
  }, [view]);

  const show = (next: typeof view) => {
    switched.current = true;
    setView(next);
  };

  if (view === 'preferences') {
    const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
      if (event.key !== 'Escape') return;
      // Back to the feed, and not on to <Inbox />'s listener, which would close the popover.
      event.stopPropagation();
      show('feed');
    };
    return (
      <section className="kn-settings" ref={settings} tabIndex={-1} aria-labelledby={headingId} onKeyDown={onKeyDown}>
        <header className="kn-feed-header">
          <button type="button" className="kn-text-button kn-back" onClick={() => show('feed')}>
            <BackIcon />
            Back
          </button>
          <h2 id={headingId} className="kn-feed-title">
            Notification preferences
          </h2>
        </header>
        <div className="kn-scroll">
          <Preferences heading="Per kind" className="kn-preferences-embedded" />
        </div>
      </section>
    );
  }

  return (
    <NotificationFeed
      {...feed}
      headerActions={
        preferences && (
          <button ref={gear} type="button" className="kn-icon-button" aria-label="Notification preferences" title="Notification preferences" onClick={() => show('preferences')}>
            <GearIcon />
          </button>
        )
      }
    />
  );
}
