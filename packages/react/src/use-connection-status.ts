/** Whether live updates are flowing: `live`, or `connecting`/`reconnecting` (it retries by itself). */
import type { ConnectionStatus } from '@kafka-notify/client';
import { useSyncExternalStore } from 'react';
import { useInbox } from './context.js';

export function useConnectionStatus(): ConnectionStatus {
  const { connection } = useInbox();
  return useSyncExternalStore(connection.subscribe, connection.getState, connection.getState);
}
