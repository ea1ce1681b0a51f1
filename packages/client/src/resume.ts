/**
 * Resuming a live feed where it stopped. graphql-ws and graphql-sse re-send a subscription's
 * payload on every reconnect, serialising it again each time; a payload whose `after` variable
 * is read at that moment (a getter) resumes from the cursor of the last result received, so the
 * server replays exactly what was missed and nothing that was already shown.
 */
import type { ExecutionResult } from 'graphql-ws';

export interface SubscriptionRequest {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

export interface Sink {
  next(value: ExecutionResult): void;
  error(error: unknown): void;
  complete(): void;
}

/** The cursor of a result's root field (`notificationAdded { cursor }`), when it has one. */
function cursorOf(result: ExecutionResult): string | undefined {
  const root = result.data ? Object.values(result.data)[0] : undefined;
  const cursor = typeof root === 'object' && root !== null && 'cursor' in root ? root.cursor : undefined;
  return typeof cursor === 'string' ? cursor : undefined;
}

/** Leaves requests without an `after` variable as they are. */
export function resumable(request: SubscriptionRequest, sink: Sink): { payload: SubscriptionRequest & { query: string }; sink: Sink } {
  const query = request.query ?? '';
  if (!request.variables || !('after' in request.variables)) return { payload: { ...request, query }, sink };
  const variables = request.variables;
  let after = variables.after;
  return {
    payload: {
      ...request,
      query,
      get variables() {
        return { ...variables, after };
      },
    },
    sink: {
      next(result: ExecutionResult) {
        after = cursorOf(result) ?? after;
        sink.next(result);
      },
      error: (error: unknown) => sink.error(error),
      complete: () => sink.complete(),
    },
  };
}
