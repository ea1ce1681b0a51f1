import type { User } from './notification.js';

/** The users of the classic Go + Kafka tutorial, seeded once so the service is usable at once. */
export const DEMO_USERS: readonly User[] = [
  { id: '1', name: 'Emma' },
  { id: '2', name: 'Bruno' },
  { id: '3', name: 'Rick' },
  { id: '4', name: 'Lena' },
];
