/**
 * The demo: choose who you are (the printed dev tokens), see your inbox live, send to someone
 * else; the bell (unseen badge, tabs, preferences behind its gear), a feed with every tab for
 * reading, archiving and snoozing, and the grouped feed; what a back end sends (a grouped series,
 * buttons, a team's own kind). The user is in the URL (`?as=2`), so two tabs can be two people.
 */
import { useState } from 'react';
import { GroupedFeed, Inbox, InboxProvider, NotificationFeed, useConnectionStatus, type ActionHandler } from '../src/index.js';
import type { DemoConfig, DemoUser } from './config.js';
import { Scenarios } from './scenarios.js';
import { SendForm } from './send-form.js';
import { TryList } from './try-list.js';
import { UserPicker } from './user-picker.js';

const FEED_TABS = ['all', 'unread', 'archived', 'snoozed'] as const;

function userFromUrl(config: DemoConfig) {
  const id = new URLSearchParams(location.search).get('as');
  return config.signIn.find((user) => user.id === id) ?? null;
}

function ConnectionPill() {
  const status = useConnectionStatus();
  return (
    <span className="demo-pill" data-status={status} role="status">
      {status === 'live' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
    </span>
  );
}

export function DemoApp({ config }: { config: DemoConfig }) {
  const [user, setUser] = useState(() => userFromUrl(config));
  // Bumped when a scenario registers a kind, so the send form lists it.
  const [kindsVersion, setKindsVersion] = useState(0);
  // What the app's onAction was last told: the demo's stand-in for acting on a button.
  const [lastAction, setLastAction] = useState<string | null>(null);
  const onAction: ActionHandler = (key, notification) => setLastAction(`onAction("${key}") for “${notification.message}”`);
  const choose = (next: DemoUser | null) => {
    const url = new URL(location.href);
    if (next) url.searchParams.set('as', next.id);
    else url.searchParams.delete('as');
    history.replaceState(null, '', url);
    setUser(next ? (config.signIn.find((candidate) => candidate.id === next.id) ?? null) : null);
  };

  if (!user) return <UserPicker users={config.signIn} onPick={choose} />;
  const token = user.token;
  return (
    <InboxProvider key={user.id} url={config.graphqlPath} getToken={() => token}>
      <div className="demo-shell">
        <header className="demo-header">
          <div className="demo-brand">
            <span className="demo-logo" aria-hidden="true">
              kn
            </span>
            <span>kafka-notify</span>
            <span className="demo-tag">Inbox demo</span>
          </div>
          <div className="demo-header-actions">
            <ConnectionPill />
            <label className="demo-user">
              <span className="demo-user-label">Signed in as</span>
              <select value={user.id} onChange={(event) => choose(config.signIn.find((candidate) => candidate.id === event.target.value) ?? null)}>
                {config.signIn.map((candidate) => (
                  <option key={candidate.id} value={candidate.id}>
                    {candidate.name}
                  </option>
                ))}
              </select>
            </label>
            <Inbox pageSize={10} onAction={onAction} />
          </div>
        </header>
        <main className="demo-main">
          <div className="demo-side">
            <SendForm me={user} directory={config.directory} kindsVersion={kindsVersion} />
            <Scenarios config={config} me={user} onKindRegistered={() => setKindsVersion((version) => version + 1)} />
            <TryList me={user} others={config.signIn.filter((candidate) => candidate.id !== user.id)} />
          </div>
          <div className="demo-side">
            <div className="demo-card demo-inbox-card">
              <NotificationFeed heading={`${user.name}’s inbox`} tabs={FEED_TABS} onAction={onAction} />
            </div>
            {lastAction && (
              <p className="demo-card demo-action-told" role="status">
                {lastAction}
              </p>
            )}
            <div className="demo-card demo-grouped-card">
              <GroupedFeed heading="Grouped: one item per post" pageSize={10} />
            </div>
          </div>
        </main>
        <footer className="demo-footer">
          Open this page in another window as someone else to watch notifications arrive live. The bell, the feed and the hooks come from <code>@kafka-notify/react</code>.
        </footer>
      </div>
    </InboxProvider>
  );
}
