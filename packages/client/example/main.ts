/**
 * The example's whole script: createInbox, one render for every state the inbox publishes, and
 * the inbox's actions on buttons. It shows that @kafka-notify/client needs no framework. The DOM
 * is built with textContent only: messages are other people's words, never markup.
 */
import { createInbox, type InboxState, type Notification, type SendNotificationInput } from '@kafka-notify/client';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const KINDS = ['mention', 'follow', 'like', 'comment'] as const satisfies readonly SendNotificationInput['kind'][];
const STATUS_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' } as const;

function item(notification: Notification): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.id = notification.id;
  li.dataset.status = notification.status;
  const sender = document.createElement('strong');
  sender.textContent = notification.sender?.name ?? 'System';
  const message = document.createElement('span');
  message.className = 'message';
  message.textContent = notification.message;
  const time = document.createElement('time');
  time.dateTime = notification.createdAt;
  time.textContent = new Date(notification.createdAt).toLocaleTimeString();
  li.append(sender, message, time);
  const actions: [string, string][] = notification.status === 'UNREAD' ? [['read', 'Mark as read'], ['archive', 'Archive']] : [['archive', 'Archive']];
  for (const [action, label] of actions) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = action;
    button.textContent = label;
    button.setAttribute('aria-label', `${label}: ${notification.message}`);
    li.append(button);
  }
  return li;
}

function render({ feed, unread, connectionStatus }: InboxState) {
  const status = element('status');
  status.dataset.status = connectionStatus;
  status.textContent = STATUS_TEXT[connectionStatus];
  const count = element('unread');
  count.dataset.count = String(unread.count);
  count.textContent = String(unread.count);
  element('feed').replaceChildren(...feed.notifications.map(item));
  element('empty').textContent = feed.loading ? 'Loading…' : feed.notifications.length === 0 ? 'You’re all caught up.' : '';
  const more = element<HTMLButtonElement>('more');
  more.hidden = !feed.hasMore;
  more.disabled = feed.loadingMore;
  element('error').textContent = feed.error ? `Could not load notifications: ${feed.error.message}` : '';
}

function connect(url: string, token: string) {
  const inbox = createInbox({ url, getToken: () => token, pageSize: 10 });
  inbox.subscribe(render);
  render(inbox.getState());
  element('connect').hidden = true;
  element('inbox').hidden = false;
  addEventListener('pagehide', () => inbox.dispose());

  const showError = (error: unknown) => (element('error').textContent = error instanceof Error ? error.message : String(error));
  element('feed').addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button');
    const id = button?.closest('li')?.dataset.id;
    if (!button || !id) return;
    const done = button.dataset.action === 'read' ? inbox.markRead([id]) : inbox.archive([id]);
    done.catch(showError);
  });
  element('mark-all').addEventListener('click', () => void inbox.markAllRead().catch(showError));
  element('more').addEventListener('click', () => void inbox.loadMore());
  element<HTMLFormElement>('send').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    const kind = KINDS.find((candidate) => candidate === form.get('kind')) ?? 'mention';
    const sent = element('sent');
    sent.textContent = 'Sending…';
    inbox
      .send({ recipientId: String(form.get('recipient')), kind, message: String(form.get('message')) })
      .then(({ id }) => (sent.textContent = `Sent (${id}).`))
      .catch((error: unknown) => (sent.textContent = `Not sent: ${error instanceof Error ? error.message : String(error)}`));
  });
}

// `?url=…` names the endpoint; `#token=…` (never sent to a server) connects at once.
const url = new URLSearchParams(location.search).get('url');
if (url) element<HTMLInputElement>('url').value = url;
const token = new URLSearchParams(location.hash.slice(1)).get('token');
if (token) {
  history.replaceState(null, '', location.pathname + location.search);
  connect(element<HTMLInputElement>('url').value, token);
}
element<HTMLFormElement>('connect').addEventListener('submit', (event) => {
  event.preventDefault();
  connect(element<HTMLInputElement>('url').value, element<HTMLTextAreaElement>('token').value.trim());
});
