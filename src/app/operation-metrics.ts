/**
 * GraphQL operations and the errors in their responses, counted once per operation whatever
 * the transport: over HTTP and SSE from Yoga's final result (after masking, so a code is what
 * the client saw), over WebSocket from graphql-ws's hooks.
 *
 * Labels stay few. An operation is named only once it parsed and validated, and then by the name
 * in its document: a client can still invent names without end, so past the first 200 seen the
 * rest count as "other". Nameless ones are "anonymous"; ones refused before they validated (a bad
 * token, a parse or validation error, a limit) are "invalid". A code outside the known set is "OTHER".
 */
import { getOperationAST, type DocumentNode } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Metrics } from '../metrics/metrics.js';
import { CLIENT_ERROR_CODES } from './errors.js';

const MAX_OPERATION_NAMES = 200;

interface Label {
  operation: string;
  type: string;
}

const INVALID: Label = { operation: 'invalid', type: 'unknown' };

type ErrorLike = { extensions?: Readonly<Record<string, unknown>> | undefined };
type ResultLike = { errors?: readonly ErrorLike[] | undefined };

export function createOperationMetrics({ operations, graphqlErrors }: Pick<Metrics, 'operations' | 'graphqlErrors'>) {
  const names = new Set<string>();

  function labelOf(document: DocumentNode, operationName: string | null | undefined): Label {
    const operation = getOperationAST(document, operationName);
    if (!operation) return INVALID;
    const name = operation.name?.value;
    if (name === undefined) return { operation: 'anonymous', type: operation.operation };
    if (!names.has(name) && names.size >= MAX_OPERATION_NAMES) return { operation: 'other', type: operation.operation };
    names.add(name);
    return { operation: name, type: operation.operation };
  }

  function countErrors({ operation }: Label, result: ResultLike | undefined) {
    for (const error of result?.errors ?? []) {
      const code = error.extensions?.code;
      graphqlErrors.inc({ operation, code: typeof code === 'string' && CLIENT_ERROR_CODES.has(code) ? code : 'OTHER' });
    }
  }

  // Set when an HTTP operation reaches execution, read back when its response is made.
  const executed = new WeakMap<Request, Label>();
  const remember = ({ document, operationName, contextValue }: { document: DocumentNode; operationName?: string | null | undefined; contextValue: unknown }) => {
    const request = (contextValue as { request?: Request }).request;
    if (request) executed.set(request, labelOf(document, operationName));
  };

  const plugin: Plugin = {
    onExecute: ({ args }) => remember(args),
    onSubscribe: ({ args }) => remember(args),
    onResultProcess({ request, result, setResult }) {
      const label = executed.get(request) ?? INVALID;
      operations.inc({ ...label });
      if (isAsyncIterable(result)) {
        setResult(
          mapAsyncIterator(result, (event) => {
            countErrors(label, event as ResultLike);
            return event;
          }),
        );
      } else if (Array.isArray(result)) {
        for (const each of result) countErrors(label, each as ResultLike);
      } else {
        countErrors(label, result as ResultLike);
      }
    },
  };

  return {
    plugin,
    /** graphql-ws: an operation that validated has started. */
    started({ document, operationName }: { document: DocumentNode; operationName?: string | null | undefined }) {
      operations.inc({ ...labelOf(document, operationName) });
    },
    /** graphql-ws: one result of a started operation. */
    result({ document, operationName }: { document: DocumentNode; operationName?: string | null | undefined }, result: ResultLike) {
      countErrors(labelOf(document, operationName), result);
    },
    /** graphql-ws: an operation refused before it started. */
    refused(errors: readonly ErrorLike[]) {
      operations.inc({ ...INVALID });
      countErrors(INVALID, { errors });
    },
  };
}

export type OperationMetrics = ReturnType<typeof createOperationMetrics>;
