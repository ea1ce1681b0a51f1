/**
 * Long-lived streams, SSE and WebSocket alike: how many one caller may hold open, and an end to
 * each when its token expires. An expired stream says so (UNAUTHENTICATED) and completes, so the
 * client can come back with a fresh token and resume from its last cursor. Over HTTP a stream
 * lives only as long as a client can read it: one it could never read is refused before it
 * starts, and one nobody reads any more ends, giving back its slot, its listener and its gauges.
 */
import { getOperationAST, GraphQLError, Kind, type DocumentNode, type ExecutionResult, type SelectionSetNode } from 'graphql';
import { processRegularResult, type Plugin } from 'graphql-yoga';
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

export const notAcceptable = () =>
  new GraphQLError('a subscription over HTTP is sent as Server-Sent Events: accept text/event-stream, or subscribe over graphql-ws', {
    extensions: { code: 'NOT_ACCEPTABLE', http: { status: 406 } },
  });

/**
 * Whether Yoga will stream a subscription to this request: its only processor for a subscription
 * over HTTP is SSE, chosen when an Accept entry (UTF-8 or no charset) matches text/event-stream,
 * wildcards included; no Accept means any. Yoga's own rule (its result-processor/accept.js, not
 * exported), repeated so the answer here is the one Yoga will give: a general negotiator reads
 * q-values and parameters that Yoga ignores, and the two could disagree. Without a match Yoga
 * would run the subscription and then answer 406, never reading it.
 */
export function acceptsEventStream(request: Request): boolean {
  // `||`: an empty Accept counts as none, as in Yoga.
  return (request.headers.get('accept') || '*/*')
    .replace(/\s/g, '')
    .toLowerCase()
    .split(',')
    .some((entry) => {
      const [mediaType = '', ...params] = entry.split(';');
      const charset = params.find((param) => param.includes('charset='));
      if (charset !== undefined && charset !== 'charset=utf-8') return false;
      const [type, subtype] = mediaType.split('/');
      return (type === '*' || type === 'text') && (subtype === '*' || subtype === 'event-stream');
    });
}

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
 *
 * The expiry answers the read that is waiting, if any, instead of racing every read against an
 * expiry promise: each race would leave a reaction on that promise until the token expires, a
 * few hundred bytes per event on a connection that may live for a day.
 */
export function untilExpiry<T>(source: AsyncIterable<T>, expiresAt: Date | null, expired: () => T, onEnd: () => void): AsyncGenerator<T, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let hasExpired = false;
  let ended = false;
  /** The read in progress: answered by the source, or by the expiry, whichever comes first. */
  let waiting: { resolve(result: IteratorResult<T, undefined>): void } | null = null;

  /** Ends it; a read still waiting is answered with `last` (the stream's end, unless the expiry takes its place). */
  async function end(last: IteratorResult<T, undefined> = { done: true, value: undefined }): Promise<IteratorReturnResult<undefined>> {
    const reader = waiting;
    waiting = null;
    reader?.resolve(last);
    if (!ended) {
      ended = true;
      cancelTimer();
      onEnd();
      await iterator.return?.();
    }
    return { done: true, value: undefined };
  }

  const expire = () => {
    hasExpired = true;
    if (waiting) void end({ done: false, value: expired() });
  };
  const cancelTimer = expiresAt ? atTime(expiresAt, expire) : () => {};
  // Already expired when it starts (let in within the clock tolerance): nothing passes, not even
  // a replay of what is stored; the first value is the expiry.
  if (expiresAt && expiresAt.getTime() <= Date.now()) hasExpired = true;

  const stream: AsyncGenerator<T, undefined> = {
    [Symbol.asyncIterator]: () => stream,
    async next() {
      if (ended) return { done: true, value: undefined };
      if (hasExpired) {
        await end();
        return { done: false, value: expired() };
      }
      return new Promise<IteratorResult<T, undefined>>((resolve, reject) => {
        const reader = { resolve };
        waiting = reader;
        iterator.next().then(
          (next) => {
            // The expiry answered it already: a value the source had ready must not pass.
            if (waiting !== reader) return;
            if (next.done) void end();
            else {
              waiting = null;
              resolve(next);
            }
          },
          (error: unknown) => {
            if (waiting !== reader) return;
            waiting = null;
            reject(error);
          },
        );
      });
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
 * one of its caller's live-connection slots for as long as it is open, and ends when its client
 * goes. A subscription over HTTP that Yoga could not stream is refused before it starts.
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
  // Refused for their Accept: the refusal is sent as JSON even when the Accept names nothing Yoga
  // writes (multipart/mixed, text/html), so the client learns why instead of an empty 406.
  const unstreamable = new WeakSet<Request>();
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context & { request?: Request };
      const caller: Caller = context.caller;
      let release = () => {};
      // Over HTTP, the client's going away; graphql-ws ends a socket's streams itself.
      let signal: AbortSignal | undefined;
      if (!overWebSocket(context)) {
        if (context.request && !acceptsEventStream(context.request)) {
          unstreamable.add(context.request);
          setResultAndStopExecution({ errors: [notAcceptable()] });
          return;
        }
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
        signal = context.request?.signal;
        if (signal?.aborted) release();
        else signal?.addEventListener('abort', () => release(), { once: true });
      }
      return {
        onSubscribeResult({ result, setResult }) {
          if (!isAsyncIterable(result)) return release();
          const field = { field: rootFieldOf(args.document, args.operationName) };
          gauges.subscriptions.inc(field);
          // Yoga's SSE writer stops writing when its client goes, but waits on the stream's next
          // event and never ends it: a quiet inbox would keep it, and its listener, forever.
          // The request's end is the stream's end.
          const leave = () => void stream.return(undefined);
          const stream = untilExpiry(result, caller.expiresAt, () => ({ errors: [tokenExpired()] }), () => {
            open.delete(stream);
            gauges.subscriptions.dec(field);
            signal?.removeEventListener('abort', leave);
            release();
          });
          open.add(stream);
          if (signal?.aborted) leave();
          else signal?.addEventListener('abort', leave, { once: true });
          setResult(stream);
        },
        onSubscribeError: () => release(),
      };
    },
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      if (resultProcessor) return;
      // No writer for this answer: Yoga sends an empty 406 and never reads a stream it was given.
      if (isAsyncIterable(result)) void result[Symbol.asyncIterator]().return?.();
      else if (unstreamable.has(request)) setResultProcessor(processRegularResult, 'application/json');
    },
  };
}
