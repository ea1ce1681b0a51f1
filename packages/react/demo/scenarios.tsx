/**
 * What a product's back end sends, one click each, to the signed-in user: a series of likes from
 * five people on one post (one group key: a single item, "Mia and 4 others liked your post"), a
 * request with two buttons, and a kind the team registers (`invoice.paid`). They act with the
 * development service token, as a back end would: it may send as any user, and register kinds.
 */
import { useState } from 'react';
import type { DemoConfig, DemoUser } from './config.js';

/** Two more people for the series (the demo seeds four users, the recipient one of them). */
const EXTRA_ACTORS = [
  { id: '5', name: 'Noah' },
  { id: '6', name: 'Mia' },
];

export const TEAM_KIND = 'invoice.paid';

async function asService<Data>(config: DemoConfig, query: string, variables: Record<string, unknown>): Promise<Data> {
  const response = await fetch(config.graphqlPath, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${config.service}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: { message: string }[] };
  if (body.errors?.[0] || !body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return body.data;
}

const SEND_MANY = `mutation ($inputs: [SendNotificationInput!]!) { sendNotifications(inputs: $inputs) { error { message } } }`;

export function Scenarios({ config, me, onKindRegistered }: { config: DemoConfig; me: DemoUser; onKindRegistered(): void }) {
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (!config.service) return null;
  const others = config.directory.filter((user) => user.id !== me.id);
  const someone = others[0] ?? { id: '1', name: 'Emma' };

  const run = async (done: string, play: () => Promise<void>) => {
    setBusy(true);
    setOutcome(null);
    try {
      await play();
      setOutcome({ ok: true, text: done });
    } catch (error) {
      setOutcome({ ok: false, text: error instanceof Error ? error.message : String(error) });
    } finally {
      setBusy(false);
    }
  };

  const send = async (inputs: Record<string, unknown>[]) => {
    const { sendNotifications } = await asService<{ sendNotifications: { error: { message: string } | null }[] }>(config, SEND_MANY, { inputs });
    const failed = sendNotifications.find((result) => result.error);
    if (failed?.error) throw new Error(failed.error.message);
  };

  const likes = () =>
    run('Five likes sent: one item in the grouped feed.', async () => {
      for (const actor of EXTRA_ACTORS) await asService(config, 'mutation ($id: ID!, $name: String!) { upsertUser(id: $id, name: $name) { id } }', actor);
      const actors = [...others, ...EXTRA_ACTORS].slice(0, 5);
      await send(actors.map((actor) => ({ senderId: actor.id, recipientId: me.id, kind: 'like', groupKey: 'post-7:like', message: `${actor.name} liked your post.`, link: '/posts/7' })));
    });

  const request = () =>
    run('A request with two buttons sent.', () =>
      send([
        {
          senderId: someone.id,
          recipientId: me.id,
          kind: 'mention',
          message: `${someone.name} asks: may I merge the release branch?`,
          actions: [
            { label: 'Approve', key: 'approve' },
            { label: 'View', url: '/posts/42' },
          ],
        },
      ]),
    );

  const teamKind = () =>
    run(`“${TEAM_KIND}” registered, and one sent: it is in the send form and the preferences now.`, async () => {
      await asService(config, 'mutation ($input: RegisterKindInput!) { registerKind(input: $input) { name } }', {
        input: { name: TEAM_KIND, description: 'An invoice of yours was paid' },
      });
      onKindRegistered();
      await send([{ senderId: someone.id, recipientId: me.id, kind: TEAM_KIND, message: `${someone.name} paid invoice #1042.` }]);
    });

  return (
    <section className="demo-card demo-form demo-scenarios">
      <h2>What a back end sends</h2>
      <p className="demo-hint">To you, {me.name}, with the development service token.</p>
      <div className="demo-scenario-buttons">
        <button type="button" className="demo-secondary" disabled={busy} onClick={() => void likes()}>
          Five likes on one post
        </button>
        <button type="button" className="demo-secondary" disabled={busy} onClick={() => void request()}>
          A request with buttons
        </button>
        <button type="button" className="demo-secondary" disabled={busy} onClick={() => void teamKind()}>
          Your team’s kind: {TEAM_KIND}
        </button>
      </div>
      <p className="demo-outcome" role="status" data-ok={outcome?.ok}>
        {outcome?.text}
      </p>
    </section>
  );
}
