/** What every resolver receives: the domain's services, and per-request loaders. */
import type DataLoader from 'dataloader';
import type { Inbox } from '../notifications/inbox.js';
import type { LiveFeed } from '../notifications/live.js';
import type { User } from '../notifications/notification.js';
import type { Sender } from '../notifications/send.js';

export interface Services {
  sender: Sender;
  inbox: Inbox;
  live: LiveFeed;
}

export interface Context extends Services {
  /** Batches the sender/recipient lookups of one request into one store query. */
  users: DataLoader<string, User | null>;
}
