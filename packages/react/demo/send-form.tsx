/**
 * Sends a notification as the signed-in user, the way a product's back end would: of a built-in
 * kind, or of any kind the team registered (read from the `kinds` query; critical ones, which
 * have no sender, are left out).
 */
import { useEffect, useId, useState, type FormEvent } from 'react';
import { graphql, useInbox, useSendNotification } from '../src/index.js';
import type { DemoUser } from './config.js';

const KindsQuery = graphql(`
  query DemoKinds { kinds { name description critical } }
`);

const KINDS = [
  { kind: 'follow', label: 'Follow', text: (me: string) => `${me} started following you.` },
  { kind: 'mention', label: 'Mention', text: (me: string) => `${me} mentioned you in a comment.` },
  { kind: 'like', label: 'Like', text: (me: string) => `${me} liked your post.` },
  { kind: 'comment', label: 'Comment', text: (me: string) => `${me} commented on your post.` },
] as const;

type Kind = string;

interface KindOption {
  kind: string;
  label: string;
  text(me: string): string;
}

/** The built-in kinds, then the registered ones they do not name. */
function useKindOptions(kindsVersion: number): readonly KindOption[] {
  const { transport } = useInbox();
  const [registered, setRegistered] = useState<KindOption[]>([]);
  useEffect(() => {
    let live = true;
    transport.client
      .query(KindsQuery, {}, { requestPolicy: 'network-only' })
      .toPromise()
      .then(({ data }) => {
        if (!live || !data) return;
        const known = new Set<string>(KINDS.map((option) => option.kind));
        const options = data.kinds
          .filter(({ name, critical }) => !critical && !known.has(name))
          .map(({ name, description }) => ({ kind: name, label: name, text: (me: string) => `${me}: ${description || name}.` }));
        setRegistered(options);
      });
    return () => {
      live = false;
    };
  }, [transport, kindsVersion]);
  return [...KINDS, ...registered];
}

export function SendForm({ me, directory, kindsVersion = 0 }: { me: DemoUser; directory: DemoUser[]; kindsVersion?: number }) {
  const send = useSendNotification();
  const kinds = useKindOptions(kindsVersion);
  const others = directory.filter((user) => user.id !== me.id);
  const [recipientId, setRecipientId] = useState(others[0]?.id ?? '');
  const [kind, setKind] = useState<Kind>('follow');
  const [message, setMessage] = useState(KINDS[0].text(me.name));
  const [link, setLink] = useState('');
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const [sending, setSending] = useState(false);
  const id = useId();

  const chooseKind = (next: Kind) => {
    setKind(next);
    setMessage(kinds.find((option) => option.kind === next)!.text(me.name));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    setOutcome(null);
    try {
      await send({ recipientId, kind, message, ...(link && { link }) });
      const to = others.find((user) => user.id === recipientId)?.name ?? recipientId;
      setOutcome({ ok: true, text: `Sent to ${to}.` });
    } catch (error) {
      setOutcome({ ok: false, text: error instanceof Error ? error.message : String(error) });
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="demo-card demo-form" onSubmit={(event) => void submit(event)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Send a notification</h2>
      <p className="demo-hint">As {me.name}. It is written to Kafka, stored, and pushed to the recipient’s open tabs.</p>
      <label htmlFor={`${id}-to`}>To</label>
      <select id={`${id}-to`} value={recipientId} onChange={(event) => setRecipientId(event.target.value)}>
        {others.map((user) => (
          <option key={user.id} value={user.id}>
            {user.name}
          </option>
        ))}
      </select>
      <fieldset className="demo-kinds">
        <legend>Kind</legend>
        {kinds.map((option) => (
          <label key={option.kind} className="demo-kind">
            <input type="radio" name={`${id}-kind`} value={option.kind} checked={kind === option.kind} onChange={() => chooseKind(option.kind)} />
            {option.label}
          </label>
        ))}
      </fieldset>
      <label htmlFor={`${id}-message`}>Message</label>
      <textarea id={`${id}-message`} value={message} rows={3} maxLength={500} required onChange={(event) => setMessage(event.target.value)} />
      <label htmlFor={`${id}-link`}>
        Link <span className="demo-optional">(optional)</span>
      </label>
      <input id={`${id}-link`} value={link} placeholder="/posts/7" onChange={(event) => setLink(event.target.value)} />
      <div className="demo-form-footer">
        <button type="submit" className="demo-primary" disabled={sending || !recipientId}>
          {sending ? 'Sending…' : 'Send'}
        </button>
        <p className="demo-outcome" role="status" data-ok={outcome?.ok}>
          {outcome?.text}
        </p>
      </div>
    </form>
  );
}
