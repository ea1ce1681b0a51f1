/** What a visitor can try on the page, each in a line, with a link to be the other user in another window. */
import type { DemoUser } from './config.js';

export function TryList({ me, others }: { me: DemoUser; others: DemoUser[] }) {
  const other = others[0];
  return (
    <section className="demo-card demo-try">
      <h2>Things to try</h2>
      <ol>
        <li>
          {other ? (
            <a href={`?as=${other.id}`} target="_blank" rel="noopener">
              Open this page as {other.name}
            </a>
          ) : (
            'Open this page as someone else'
          )}{' '}
          in another window and send to {me.name}: the bell’s badge rises live, with no reload.
        </li>
        <li>
          <strong>Seen vs read.</strong> Open the bell: the badge (unseen) drops to 0 in every window, while the notifications stay unread until you read them.
        </li>
        <li>
          <strong>Tabs.</strong> Unread lists what is left to read; archive one and find it under Archived, where “Unarchive” brings it back.
        </li>
        <li>
          <strong>Snooze.</strong> “Snooze 1 h” takes one out of the feed and the counts; it waits under Snoozed, and comes back by itself (or with “Unsnooze”).
        </li>
        <li>
          <strong>Preferences.</strong> The gear in the bell’s panel mutes a kind: send one of that kind and it never arrives; tick it again to have them back.
        </li>
        <li>
          <strong>From a back end.</strong> “Five likes on one post” shows as one item in the grouped feed; press “Approve” on the request in one window and
          watch the other show it chosen; register your team’s own kind, then find it in the send form and the preferences.
        </li>
      </ol>
    </section>
  );
}
