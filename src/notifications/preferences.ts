/**
 * A user's preferences per kind (issue 17): in-app on or off (a mute), and how it is delivered;
 * and the user's time zone, for daily digests. The store keeps only what differs from the kind's
 * defaults, so a default changed here reaches everyone who never chose otherwise.
 *
 * Critical kinds cannot be muted. Muting one is refused (BAD_USER_INPUT) rather than accepted and
 * ignored: a setting the service would silently not honour is a lie to whoever set it, and a panel
 * that sends it has a bug worth seeing. A mute already stored for a kind that later became
 * critical (a registry's change) is ignored on reading and by the consumer, so critical always wins.
 *
 * A digest delivery (hourly, or daily in the user's time zone) has the inbox consumer keep the
 * kind's notifications for one summary per period instead of pushing each (digests.ts). A critical
 * kind is always delivered immediately, so a digest for one is refused as a mute is.
 */
import { badInput } from './errors.js';
import { NOTIFICATION_KINDS, type NotificationKind } from './notification.js';
import type { KindOverride, NotificationStore, PreferencesChange, StoredPreferences } from './ports.js';
import { assertUserId } from './validation.js';

export const DELIVERIES = ['immediate', 'hourly_digest', 'daily_digest'] as const;
export type Delivery = (typeof DELIVERIES)[number];

export interface KindDefaults {
  inApp: boolean;
  delivery: Delivery;
  /** Cannot be muted. */
  critical: boolean;
}

/** The kinds and their defaults, in the order preferences are listed in (registration order). */
export type KindTable = ReadonlyMap<NotificationKind, KindDefaults>;

/** The five seeded demo kinds as migration 009 registers them: the table of tests and of code run without a registry. */
export const DEFAULT_KINDS: KindTable = new Map(
  NOTIFICATION_KINDS.map((kind): [NotificationKind, KindDefaults] => [kind, { inApp: true, delivery: 'immediate', critical: kind === 'system' }]),
);

/**
 * Where the kinds come from: the registry (kinds.ts) in the service. `names`: kinds the caller is
 * about to use; a table lacking one of them is read again from the registry's store first, so a
 * kind registered on another instance is found.
 */
export interface KindLookup {
  table(names?: Iterable<NotificationKind>): Promise<KindTable>;
}

/** A fixed table (tests, and code run without a registry). */
export const staticKinds = (table: KindTable): KindLookup => ({ table: async () => table });

export const isCritical = (kinds: KindTable, kind: NotificationKind): boolean => kinds.get(kind)?.critical ?? false;

/** When the user never set one. */
export const DEFAULT_TIME_ZONE = 'UTC';

export interface KindPreference {
  kind: NotificationKind;
  inApp: boolean;
  delivery: Delivery;
  critical: boolean;
}

export interface Preferences {
  timeZone: string;
  /** Every kind of the table, in its order. */
  kinds: KindPreference[];
}

export interface PreferencesInput {
  timeZone?: string | null;
  kinds?: readonly { kind: NotificationKind; inApp?: boolean | null; delivery?: Delivery | null }[] | null;
}

/** Stored overrides over the table's defaults; a critical kind is always in-app. */
export function mergePreferences(stored: StoredPreferences, kinds: KindTable = DEFAULT_KINDS): Preferences {
  const overrides = new Map<NotificationKind, KindOverride>(stored.kinds.map((override) => [override.kind, override]));
  return {
    timeZone: stored.timeZone ?? DEFAULT_TIME_ZONE,
    kinds: [...kinds].map(([kind, defaults]) => {
      const override = overrides.get(kind);
      return {
        kind,
        inApp: defaults.critical || (override?.inApp ?? defaults.inApp),
        // Critical is always immediate, whatever was stored before the kind became critical.
        delivery: defaults.critical ? 'immediate' : (override?.delivery ?? defaults.delivery),
        critical: defaults.critical,
      };
    }),
  };
}

/** An IANA zone name Intl knows, as Intl spells it (`US/Eastern` is America/New_York); offsets and abbreviations are refused. */
export function canonicalTimeZone(value: string): string {
  const invalid = () => badInput('timeZone is not an IANA time zone name (such as Europe/Paris or UTC)', 'timeZone');
  if (value.length > 64 || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(value)) throw invalid();
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw invalid();
  }
}

/**
 * Checks a change and turns it into what the store keeps: a value equal to the kind's default is
 * stored as no override (null). Each kind at most once; a critical kind may not be muted.
 */
export function toChange(input: PreferencesInput, kinds: KindTable = DEFAULT_KINDS): PreferencesChange {
  const seen = new Set<NotificationKind>();
  const changes = (input.kinds ?? []).map(({ kind, inApp, delivery }) => {
    const defaults = kinds.get(kind);
    if (!defaults) throw badInput(`${kind} is not a registered kind`, 'kinds');
    if (seen.has(kind)) throw badInput(`${kind} is named twice`, 'kinds');
    seen.add(kind);
    if (defaults.critical && inApp === false) throw badInput(`${kind} is critical: it cannot be muted`, 'kinds');
    if (defaults.critical && delivery && delivery !== 'immediate') throw badInput(`${kind} is critical: it is delivered immediately, never in a digest`, 'kinds');
    return {
      kind,
      ...(inApp !== undefined && inApp !== null && { inApp: inApp === defaults.inApp ? null : inApp }),
      ...(delivery !== undefined && delivery !== null && { delivery: delivery === defaults.delivery ? null : delivery }),
    };
  });
  return {
    ...(input.timeZone !== undefined && input.timeZone !== null && { timeZone: canonicalTimeZone(input.timeZone) }),
    kinds: changes,
  };
}

export function createPreferences({ store, kinds = staticKinds(DEFAULT_KINDS) }: { store: Pick<NotificationStore, 'getPreferences' | 'setPreferences'>; kinds?: KindLookup }) {
  const get = async (userId: string): Promise<Preferences> => {
    const [stored, table] = await Promise.all([store.getPreferences(assertUserId(userId, 'userId')), kinds.table()]);
    return mergePreferences(stored, table);
  };
  return {
    get,
    /** Applies what the input names, leaving the rest; answers the preferences as they now are. */
    async set(userId: string, input: PreferencesInput): Promise<Preferences> {
      assertUserId(userId, 'userId');
      const table = await kinds.table((input.kinds ?? []).map((change) => change.kind));
      await store.setPreferences(userId, toChange(input, table));
      return get(userId);
    },
  };
}

export type PreferencesService = ReturnType<typeof createPreferences>;
