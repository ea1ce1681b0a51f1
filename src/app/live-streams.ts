/**
 * Long-lived streams, SSE and WebSocket alike: how many one caller may hold open, and an end to
 * each when its token expires. An expired stream says so (UNAUTHENTICATED) and completes, so the
 * client can come back with a fresh token and resume from its last cursor.
 */
import { getOperationAST, GraphQLError, Kind, type DocumentNode, type ExecutionResult, type SelectionSetNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { callerKey, type Caller } from '../auth/caller.js';
import type { Context } from '../schema/context.js';

/** Counts open streams per caller; `acquire` refuses once a caller holds `perCaller`. */
export function createStreamCounter(perCaller: number) {
  const open = new Map<string, number>();
  return {
    acquire(key: string): boolean {
      const held = open.get(key) ?? 0;
      if (held >= perCaller) return false;
      open.set(key, held + 1);
      return true;
    },
    release(key: string): void {
      const held = (open.get(key) ?? 1) - 1;
      if (held <= 0) open.delete(key);
      else open.set(key, held);
    },
  };
}

export type StreamCounter = ReturnType<typeof createStreamCounter>;

export const tooManyConnections = (limit: number) =>
  new GraphQLError(`this token already holds ${limit} live connections: close one first`, {
    extensions: { code: 'TOO_MANY_CONNECTIONS', http: { status: 429 } },
  });

export const tokenExpired = () =>
  new GraphQLError('the token has expired: reconnect with a fresh one (and your last cursor)', {
    extensions: { code: 'UNAUTHENTICATED' },
  });

// setTimeout fires at once for delays over 2^31-1 ms (about 24.8 days); long-lived tokens are re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `fn` at `at`; returns a cancel function. */
export function atTime(at: Date, fn: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const delay = at.getTime() - Date.now();
    timer = delay > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, delay));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * Passes `source` through until `expiresAt`; then yields `expired` once and ends, ending the
 * source too. `onEnd` runs exactly once, however the stream ends.
 */
export function untilExpiry<T>(source: AsyncIterable<T>, expiresAt: Date | null, expired: () => T, onEnd: () => void): AsyncGenerator<T, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  // A flag as well as a promise: once expired, a value the source has ready must not win the race.
  let hasExpired = false;
  let signalExpiry!: () => void;
  const expiry = new Promise<'expired'>((resolve) => {
    signalExpiry = () => {
      hasExpired = true;
      resolve('expired');
    };
  });
  const cancelTimer = expiresAt ? atTime(expiresAt, signalExpiry) : () => {};
  let ended = false;

  async function end(): Promise<IteratorReturnResult<undefined>> {
    if (!ended) {
      ended = true;
      cancelTimer();
      onEnd();
      await iterator.return?.();
    }
    return { done: true, value: undefined };
  }

  const stream: AsyncGenerator<T, undefined> = {
    [Symbol.asyncIterator]: () => stream,
    async next() {
      if (ended) return { done: true, value: undefined };
      const next = hasExpired ? 'expired' : await Promise.race([iterator.next(), expiry]);
      if (next === 'expired' || hasExpired) {
        await end();
        return { done: false, value: expired() };
      }
      if (next.done) return end();
      return next;
    },
    return: () => end(),
    async throw(error: unknown) {
      await end();
      throw error;
    },
  };
  return stream;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** What is open now, for metrics. */
export interface LiveStreamGauges {
  sse: { inc(): void; dec(): void };
  subscriptions: { inc(labels: { field: string }): void; dec(labels: { field: string }): void };
}

const NO_GAUGES: LiveStreamGauges = { sse: { inc() {}, dec() {} }, subscriptions: { inc() {}, dec() {} } };

/** The root field a subscription selects (validation allows exactly one), through fragments. */
export function rootFieldOf(document: DocumentNode, operationName: string | null | undefined): string {
  const first = (set: SelectionSetNode): string | undefined => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) return selection.name.value;
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT
          ? selection
          : document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      const found = fragment && 'selectionSet' in fragment && fragment.selectionSet ? first(fragment.selectionSet) : undefined;
      if (found) return found;
    }
    return undefined;
  };
  const operation = getOperationAST(document, operationName);
  return (operation && first(operation.selectionSet)) ?? 'unknown';
}

/** Whether a context belongs to a graphql-ws socket, which is counted once per connection instead. */
const overWebSocket = (context: object) => 'extra' in context;

/**
 * Every subscription ends when its caller's token expires; each SSE subscription also takes
 * one of its caller's live-connection slots for as long as it is open.
 */
export function useLiveStreamGuards({
  streams,
  perCaller,
  open,
  gauges = NO_GAUGES,
}: {
  streams: StreamCounter;
  perCaller: number;
  /** Every stream open now, so a shutdown can complete them. */
  open: Set<AsyncGenerator<unknown>>;
  gauges?: LiveStreamGauges;
}): Plugin<Context> {
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      const caller: Caller = context.caller;
      let release = () => {};
      if (!overWebSocket(context)) {
        const key = callerKey(caller);
        if (!streams.acquire(key)) {
          setResultAndStopExecution({ errors: [tooManyConnections(perCaller)] });
          return;
        }
        gauges.sse.inc();
        let released = false;
        release = () => {
          if (!released) {
            streams.release(key);
            gauges.sse.dec();
          }
          released = true;
        };
        // A client that leaves before its stream starts never ends that stream: its going away is
        // what gives the slot back.
        // It may have gone already, while its token was checked: then no abort event will come.
        const signal = (context as Context & { request?: Request }).request?.signal;
        if (signal?.aborted) release();
        else signal?.addEventListener('abort', () => release(), { once: true });
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return release();
          const field = { field: rootFieldOf(args.document, args.operationName) };
          gauges.subscriptions.inc(field);
          const stream = untilExpiry(result, caller.expiresAt, () => ({ errors: [tokenExpired()] }), () => {
            open.delete(stream);
            gauges.subscriptions.dec(field);
            release();
          });
          open.add(stream);
          setResult(stream);
        },
        onSubscribeError: () => release(),
      };
    },
  };
}
