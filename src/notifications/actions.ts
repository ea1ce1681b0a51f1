/**
 * Action buttons (issue 17): what a sender may put on a notification, and the rules of pressing
 * one. A notification carries up to two buttons, each a label and either a URL to open or a key
 * the app handles; its recipient presses one, and which one is recorded on it.
 *
 * The first press wins: a press is a decision ("Approve" or "Decline"), and the app acted on the
 * first one (its handler ran, its link opened), so a later press in another tab must not put a
 * different answer on record. Pressing the same button again is answered as the first press was
 * (a retry, or two tabs pressing it at once); pressing the other one is refused with
 * ACTION_ALREADY_PRESSED, naming the button pressed first. A press also reads the notification.
 */
import { badInput, NotifyError } from './errors.js';
import type { Notification, NotificationAction } from './notification.js';
import { actionsProblem } from './validation.js';

/** What a sender gives: a label and one of url and key (absent or null for the other). */
export interface ActionInput {
  label: string;
  url?: string | null;
  key?: string | null;
}

/**
 * The buttons as they are kept (labels trimmed, url and key null when absent), or BAD_USER_INPUT
 * naming the field at fault (`actions`, `actions.1.label`, `actions.0.url`, …).
 */
export function assertActions(actions: readonly ActionInput[] | null | undefined): NotificationAction[] {
  if (actions === null || actions === undefined) return [];
  const problem = actionsProblem(actions);
  // Every problem begins with the path of its field, up to the first space or colon.
  if (problem) throw badInput(problem, problem.split(/[ :]/, 1)[0]);
  return actions.map((action) => ({ label: action.label.trim(), url: action.url ?? null, key: action.key ?? null }));
}

/** The index of one of the notification's buttons, or BAD_USER_INPUT on `action`. */
export function assertButton(notification: Notification, index: number): number {
  const count = notification.actions.length;
  if (count === 0) throw badInput('this notification has no buttons', 'action');
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw badInput(`action must be the index of one of its buttons: ${count === 1 ? '0' : `0 to ${count - 1}`}`, 'action');
  }
  return index;
}

/**
 * Given the notification as it is, is a press of `index` already on record (true: answer it as
 * it is), still to be made (false), or refused because another button was pressed first?
 */
export function alreadyPressed(notification: Notification, index: number): boolean {
  const pressed = notification.pressedAction;
  if (pressed === null) return false;
  if (pressed.index === index) return true;
  const label = notification.actions[pressed.index]?.label ?? `button ${pressed.index}`;
  throw new NotifyError('ACTION_ALREADY_PRESSED', `another button of this notification was pressed first: "${label}"`, {
    id: notification.id,
    pressed: pressed.index,
  });
}
