/** What every resolver receives: the caller, the domain's services, per-request loaders and logger. */
import type DataLoader from 'dataloader';
import type { Caller } from '../auth/caller.js';
import type { Logger } from '../logger.js';
import type { Broadcaster } from '../notifications/broadcast.js';
import type { Inbox } from '../notifications/inbox.js';
import type { LiveFeed } from '../notifications/live.js';
import type { PreferencesService } from '../notifications/preferences.js';
import type { KindRegistry } from '../notifications/kinds.js';
import type { Feed } from '../notifications/feed.js';
import type { User } from '../notifications/notification.js';
import type { Sender } from '../notifications/send.js';
import type { Topics } from '../notifications/topics.js';
import type { UserDirectory } from '../notifications/user-directory.js';
import type { RateLimiter } from '../ratelimit/rate-limiter.js';
import type { StatsQueries } from '../stats/queries.js';

export interface Services {
  sender: Sender;
  /** Broadcasts to a topic's subscribers, and who is subscribed to which topic. */
  broadcaster: Broadcaster;
  topics: Topics;
  inbox: Inbox;
  live: LiveFeed;
  /** Users: looked up for sends and pages, listed and upserted by admins. */
  directory: UserDirectory;
  sendRate: Pick<RateLimiter, 'take'>;
  inboxRate: Pick<RateLimiter, 'take'>;
  /** Each user's preferences per kind, and time zone. */
  preferences: PreferencesService;
  /** The kind registry: every kind listed, registered by admins. */
  kinds: KindRegistry;
  /** The feed's items: a group key's notifications as one item (grouping). */
  feed: Feed;
  /** The stats consumer's figures: series and rankings (admins). */
  stats: StatsQueries;
}

export interface Context extends Services {
  /** Who is calling, from a verified token (HTTP header, or graphql-ws connection_init). */
  caller: Caller;
  /** Batches the sender/recipient lookups of one request into one store query. */
  users: DataLoader<string, User | null>;
  /** This request's (or WebSocket operation's) logger: every line carries its requestId. */
  log: Logger;
  requestId: string;
}
