/**
 * A steady load of sends over HTTP, as a careful client makes them: each send has its own
 * idempotencyKey and is retried with that same key on KAFKA_UNAVAILABLE, STORE_UNAVAILABLE, a
 * network error or a timeout, until it is acknowledged or the load stops. Any other answer is a
 * rejection (recorded with its code; a correct service gives none under these faults).
 */
import { setMaxListeners } from 'node:events';

const SEND = /* GraphQL */ `
  mutation FaultSend($input: SendNotificationInput!) {
    sendNotification(input: $input) { id recipientId }
  }
`;

const RETRYABLE_CODES = new Set(['KAFKA_UNAVAILABLE', 'STORE_UNAVAILABLE']);

export interface SendRecord {
  n: number;
  key: string;
  recipientId: string;
  startedAt: number;
  attempts: number;
  /** The longest any attempt of this send took to answer (ms), whatever the answer. */
  longestAttemptMs: number;
  ackedAt?: number;
  id?: string;
  rejected?: { code: string; message: string; at: number };
}

export interface LoadOptions {
  url: string;
  token: string;
  ratePerSecond: number;
  recipients: string[];
  runId: string;
  /** Sends being attempted at once (a client's bounded concurrency); new sends wait for room. */
  maxInFlight?: number;
  requestTimeoutMs?: number;
}

export interface Load {
  readonly sends: SendRecord[];
  /** Attempts that failed, by code (a GraphQL code, NETWORK, TIMEOUT or HTTP_<status>). */
  readonly attemptErrors: Map<string, number>;
  acked(): SendRecord[];
  rejected(): SendRecord[];
  /** Resolves with the first acknowledgement at or after `since` (or already made). */
  firstAckAfter(since: number, timeoutMs: number): Promise<SendRecord | undefined>;
  onAck(listener: (record: SendRecord) => void): void;
  stop(): Promise<void>;
}

export function startLoad(options: LoadOptions): Load {
  const { url, token, ratePerSecond, recipients, runId } = options;
  const maxInFlight = options.maxInFlight ?? 400;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const sends: SendRecord[] = [];
  const attemptErrors = new Map<string, number>();
  const listeners: ((record: SendRecord) => void)[] = [];
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  // Every send in flight listens for the stop.
  setMaxListeners(0, stopping.signal);
  let stopped = false;
  let issued = 0;
  const started = Date.now();

  const countError = (code: string) => attemptErrors.set(code, (attemptErrors.get(code) ?? 0) + 1);

  async function attempt(record: SendRecord): Promise<'acked' | 'retry' | 'rejected'> {
    record.attempts += 1;
    const began = performance.now();
    try {
      return await answer(record);
    } finally {
      record.longestAttemptMs = Math.max(record.longestAttemptMs, performance.now() - began);
    }
  }

  async function answer(record: SendRecord): Promise<'acked' | 'retry' | 'rejected'> {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: SEND,
          variables: {
            input: {
              senderId: senderFor(record.recipientId, recipients),
              recipientId: record.recipientId,
              kind: 'mention',
              message: `fault load ${runId} #${record.n}`,
              idempotencyKey: record.key,
            },
          },
        }),
        signal: AbortSignal.any([AbortSignal.timeout(requestTimeoutMs), stopping.signal]),
      });
    } catch (error) {
      countError(error instanceof Error && error.name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK');
      return 'retry';
    }
    let body: { data?: { sendNotification?: { id: string } } | null; errors?: { message: string; extensions?: { code?: unknown } }[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      countError(`HTTP_${response.status}`);
      return 'retry';
    }
    const id = body.data?.sendNotification?.id;
    if (id && !body.errors?.length) {
      record.id = id;
      record.ackedAt = Date.now();
      for (const listener of listeners) listener(record);
      return 'acked';
    }
    const error = body.errors?.[0];
    const code = typeof error?.extensions?.code === 'string' ? error.extensions.code : `HTTP_${response.status}`;
    countError(code);
    if (RETRYABLE_CODES.has(code)) return 'retry';
    record.rejected = { code, message: error?.message ?? '', at: Date.now() };
    return 'rejected';
  }

  async function send(record: SendRecord): Promise<void> {
    let backoff = 200;
    while (!stopped) {
      const outcome = await attempt(record);
      if (outcome !== 'retry' || stopped) return;
      // A client's retry backoff (with jitter), not a wait for anything in particular.
      await new Promise<void>((resolve) => {
        const onAbort = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          stopping.signal.removeEventListener('abort', onAbort);
          resolve();
        }, backoff * (0.5 + Math.random()));
        stopping.signal.addEventListener('abort', onAbort, { once: true });
      });
      backoff = Math.min(2000, backoff * 2);
    }
  }

  // The pace: every tick issues what the rate owes so far, as room allows.
  const ticker = setInterval(() => {
    const due = Math.floor(((Date.now() - started) / 1000) * ratePerSecond);
    while (issued < due && inFlight.size < maxInFlight && !stopped) {
      const n = issued;
      issued += 1;
      const record: SendRecord = { n, key: `${runId}-${n}`, recipientId: recipients[n % recipients.length] as string, startedAt: Date.now(), attempts: 0, longestAttemptMs: 0 };
      sends.push(record);
      const task: Promise<void> = send(record).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
    // A client that fell behind (waiting for room) does not burst later to catch up.
    if (inFlight.size >= maxInFlight) issued = Math.max(issued, due);
  }, 20);

  return {
    sends,
    attemptErrors,
    acked: () => sends.filter((record) => record.ackedAt !== undefined),
    rejected: () => sends.filter((record) => record.rejected !== undefined),
    firstAckAfter(since, timeoutMs) {
      const done = sends.filter((record) => record.ackedAt !== undefined && record.ackedAt >= since).sort((a, b) => (a.ackedAt ?? 0) - (b.ackedAt ?? 0))[0];
      if (done) return Promise.resolve(done);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(undefined), timeoutMs);
        listeners.push((record) => {
          if ((record.ackedAt ?? 0) >= since) {
            clearTimeout(timer);
            resolve(record);
          }
        });
      });
    },
    onAck(listener) {
      listeners.push(listener);
    },
    async stop() {
      stopped = true;
      clearInterval(ticker);
      stopping.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}

/** Someone other than the recipient (a user mentions another). */
function senderFor(recipientId: string, recipients: string[]): string {
  const index = recipients.indexOf(recipientId);
  return recipients[(index + 1) % recipients.length] as string;
}
