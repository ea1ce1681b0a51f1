/**
 * A notification's buttons (up to two). A URL button is a link, rendered as the notification's
 * `link` is (the server only takes http(s) URLs and same-site paths), and records the press as it
 * is followed. A key button records the press, then tells the app through `onAction(key,
 * notification)`: after the server took it, so a press another tab made first (the first press
 * wins) never runs the app's action for a different answer. Once a button is pressed, here or in
 * another tab (the press is pushed to every tab), the buttons give way to the one chosen: "✓ Approve".
 */
import { useState } from 'react';
import type { Notification } from '@kafka-notify/client';
import { usePressAction } from './use-inbox-actions.js';

/** What the app does when a key button is pressed; the press is already recorded. */
export type ActionHandler = (key: string, notification: Notification) => void;

export interface ActionButtonsProps {
  notification: Notification;
  onAction?: ActionHandler | undefined;
}

export function ActionButtons({ notification, onAction }: ActionButtonsProps) {
  const pressAction = usePressAction();
  const [pending, setPending] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const { actions, pressedAction } = notification;
  if (actions.length === 0) return null;

  if (pressedAction) {
    return (
      <p className="kn-action-chosen" data-pressed={pressedAction.index}>
        <span aria-hidden="true">✓ </span>
        <span className="kn-sr-only">Chosen: </span>
        {actions[pressedAction.index]?.label}
      </p>
    );
  }

  async function press(index: number) {
    setPending(true);
    setFailure(null);
    try {
      await pressAction(notification.id, index);
      const key = actions[index]?.key;
      if (key) onAction?.(key, notification);
    } catch (error) {
      // Another tab's press pushed here replaces the buttons; anything else is said.
      setFailure(error instanceof Error ? error.message : String(error));
    } finally {
      setPending(false);
    }
  }

  return (
    <div className="kn-actions">
      {actions.map((action, index) =>
        action.url ? (
          <a key={index} className="kn-action" href={action.url} aria-label={`${action.label}: ${notification.message}`} onClick={() => void press(index)}>
            {action.label}
          </a>
        ) : (
          <button
            key={index}
            type="button"
            className="kn-action"
            aria-label={`${action.label}: ${notification.message}`}
            disabled={pending}
            onClick={() => void press(index)}
          >
            {action.label}
          </button>
        ),
      )}
      {failure && (
        <span className="kn-action-error" role="alert">
          Not recorded: {failure}
        </span>
      )}
    </div>
  );
}
