// The users of the classic Go + Kafka tutorial, seeded (SEED_DEMO_USERS) so that a development start
// is usable at once: the dev tokens, GraphiQL's tabs and the inbox demo are theirs.
import type { User } from '../notifications/notification.js';

export const DEMO_USERS: readonly User[] = [
  { id: '1', name: 'Emma' },
  { id: '2', name: 'Bruno' },
  { id: '3', name: 'Rick' },
  { id: '4', name: 'Lena' },
];
