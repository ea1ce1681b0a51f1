/**
 * The inbox's mutations. Each answer is an InboxChange (statuses and the absolute unread count),
 * handed at once to every hook of this page; the server pushes the same change to the user's
 * other tabs and devices.
 */
import { useCallback } from 'react';
import type { AnyVariables, OperationResult } from '@urql/core';
import { useInboxContext } from './context.js';
import { ArchiveMutation, MarkAllReadMutation, MarkReadMutation, SendNotificationMutation, type InboxChange } from './operations.js';
import type { VariablesOf } from './graphql.js';

function dataOf<T>(result: OperationResult<T, AnyVariables>): T {
  if (result.error || !result.data) throw result.error ?? new Error('no data in the answer');
  return result.data;
}

export function useMarkRead() {
  const { transport, emitChange } = useInboxContext();
  const markRead = useCallback(
    async (ids: readonly string[]): Promise<InboxChange> => {
      const change = dataOf(await transport.client.mutation(MarkReadMutation, { ids: [...ids] }).toPromise()).markNotificationsRead;
      emitChange(change);
      return change;
    },
    [transport, emitChange],
  );
  const markAllRead = useCallback(async (): Promise<InboxChange> => {
    const change = dataOf(await transport.client.mutation(MarkAllReadMutation, {}).toPromise()).markAllNotificationsRead;
    emitChange(change);
    return change;
  }, [transport, emitChange]);
  return { markRead, markAllRead };
}

export function useArchive() {
  const { transport, emitChange } = useInboxContext();
  const archive = useCallback(
    async (ids: readonly string[]): Promise<InboxChange> => {
      const change = dataOf(await transport.client.mutation(ArchiveMutation, { ids: [...ids] }).toPromise()).archiveNotifications;
      emitChange(change);
      return change;
    },
    [transport, emitChange],
  );
  return { archive };
}

export type SendNotificationInput = VariablesOf<typeof SendNotificationMutation>['input'];

/** Sends as the signed-in user; resolves once Kafka acknowledged the notification. */
export function useSendNotification() {
  const { transport } = useInboxContext();
  return useCallback(
    async (input: SendNotificationInput) => dataOf(await transport.client.mutation(SendNotificationMutation, { input }).toPromise()).sendNotification,
    [transport],
  );
}
