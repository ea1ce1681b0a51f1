/**
 * What a feed and the unread count need from an inbox, and no more: typed reads, live
 * subscriptions, the stream of inbox changes and the moments a dropped connection came back.
 * Through this seam they run on the inbox's one connection, and on a fake one in unit tests.
 */
import type { AnyVariables, DocumentInput } from '@urql/core';
import type { InboxChange } from './operations.js';

export interface InboxConnection {
  /** Resolves to the data, or rejects with the GraphQL or network error. */
  query<Data, Variables extends AnyVariables>(document: DocumentInput<Data, Variables>, variables: Variables): Promise<Data>;
  /** Calls `onData` for every result with data; returns the unsubscribe function. */
  subscribe<Data, Variables extends AnyVariables>(document: DocumentInput<Data, Variables>, variables: Variables, onData: (data: Data) => void): () => void;
  /** Every change to the inbox: pushed by the server, or answered by a mutation of this client. */
  onChange(listener: (change: InboxChange) => void): () => void;
  /** Called each time a dropped live connection is back (pushes sent meanwhile are gone). */
  onReconnect(listener: () => void): () => void;
}

export const asError = (value: unknown): Error => (value instanceof Error ? value : new Error(String(value)));
