/** Whether live updates are flowing: `live`, or `connecting`/`reconnecting` (it retries by itself). */
import { useSyncExternalStore } from 'react';
import { useInboxContext } from './context.js';
import type { ConnectionStatus } from './transport.js';

export function useConnectionStatus(): ConnectionStatus {
  const { transport } = useInboxContext();
  return useSyncExternalStore(transport.onStatus, transport.status, transport.status);
}
