/**
 * The kind registry (issue 17): a product team's own kinds (`invoice.paid`), each with a
 * description, a default delivery and whether it is critical (never muted, and sent with no
 * sender, as SYSTEM is: the service itself speaks). Kept in the store (migration 009, the five
 * demo kinds seeded), registered by an admin mutation or the KINDS_FILE read at start.
 *
 * Every instance keeps the registry in memory, and stays right when another instance registers:
 * - a kind it does not hold is looked for again in the store before it is refused, by a read that
 *   starts after the miss (so a kind registered before the send was made is always found); those
 *   reads are at least MISS_READ_INTERVAL_MS apart, shared by every miss waiting, so a flood of
 *   unknown kinds costs the store two small reads a second, not one per request;
 * - a change of a kind's defaults made elsewhere shows here within MAX_AGE_MS: the table is read
 *   again when older than that (a changed critical flag is also honoured at once by the store's
 *   muted-pairs query, which never mutes a critical kind).
 * The registry is bounded (KINDS_MAX): kinds are metric labels and preferences rows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { badInput } from './errors.js';
import type { NotificationKind } from './notification.js';
import type { NotificationStore } from './ports.js';
import { DELIVERIES, type Delivery, type KindLookup, type KindTable } from './preferences.js';
import { assertText, characterCount, KIND_PATTERN } from './validation.js';

/** At most this many kinds: each is a label value of the send and mute metrics. */
export const KINDS_MAX = 200;
export const KIND_DESCRIPTION_MAX_LENGTH = 500;
const MAX_AGE_MS = 5000;
const MISS_READ_INTERVAL_MS = 500;

/** What registering a kind says of it. */
export interface KindSpec {
  name: NotificationKind;
  description: string;
  defaultDelivery: Delivery;
  /** Cannot be muted, and has no sender (the service itself speaks, as SYSTEM). */
  critical: boolean;
}

export interface RegisteredKind extends KindSpec {
  createdAt: Date;
  updatedAt: Date;
}

/** The store's answer to an upsert: the kinds as now stored, or nothing changed because the registry would exceed its bound. */
export type KindsUpsert = { ok: true; kinds: RegisteredKind[] } | { ok: false; registered: number };

export interface KindInput {
  name: string;
  description?: string | null;
  defaultDelivery?: Delivery | null;
  critical?: boolean | null;
}

/** Why a kind cannot be registered as given, or null; `at` prefixes the field (a file's entry). */
export function kindSpecProblem(input: KindInput): { field: string; problem: string } | null {
  if (!KIND_PATTERN.test(input.name)) {
    return { field: 'name', problem: `name "${input.name}" is not a kind name: 1-64 lower-case letters, digits or _.:- starting with a letter (invoice.paid)` };
  }
  const description = input.description ?? '';
  if (characterCount(description) > KIND_DESCRIPTION_MAX_LENGTH) return { field: 'description', problem: `description is longer than ${KIND_DESCRIPTION_MAX_LENGTH} characters` };
  if (input.defaultDelivery !== undefined && input.defaultDelivery !== null && !DELIVERIES.includes(input.defaultDelivery)) {
    return { field: 'defaultDelivery', problem: `defaultDelivery must be one of ${DELIVERIES.join(', ')}` };
  }
  return null;
}

/** A kind as it is registered: checked, with the defaults of what was left out (immediate, not critical). */
export function toKindSpec(input: KindInput): KindSpec {
  const found = kindSpecProblem(input);
  if (found) throw badInput(found.problem, found.field);
  return {
    name: input.name,
    description: assertText(input.description ?? '', 'description').trim(),
    defaultDelivery: input.defaultDelivery ?? 'immediate',
    critical: input.critical ?? false,
  };
}

export const tableOf = (kinds: readonly KindSpec[]): KindTable =>
  new Map(kinds.map((kind) => [kind.name, { inApp: true, delivery: kind.defaultDelivery, critical: kind.critical }]));

const kindsFileSchema = z.strictObject({
  kinds: z
    .array(
      z.strictObject({
        name: z.string(),
        description: z.string().optional(),
        defaultDelivery: z
          .string()
          .transform((value) => value.toLowerCase())
          .pipe(z.enum(DELIVERIES))
          .optional(),
        critical: z.boolean().optional(),
      }),
    )
    .max(KINDS_MAX, { error: `at most ${KINDS_MAX} kinds` }),
});

/**
 * KINDS_FILE's content: `{ "kinds": [{ "name": "invoice.paid", "description": "…",
 * "defaultDelivery": "immediate", "critical": false }, …] }`; only `name` is required (the rest
 * default to "", immediate, not critical); defaultDelivery as GraphQL (IMMEDIATE) or the store
 * (immediate) spells it. Its kinds, checked, or an Error saying which entry and field is wrong.
 * Reading the file and stopping the start are the composition root's (system.ts).
 */
export function kindsOfFile(json: unknown): KindSpec[] {
  const parsed = kindsFileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(`${first?.path.join('.') || 'value'}: ${first?.message ?? 'invalid'} (expected { "kinds": [{ "name", "description", "defaultDelivery", "critical" }] })`);
  }
  const seen = new Set<string>();
  return parsed.data.kinds.map((entry, index) => {
    const found = kindSpecProblem(entry);
    if (found) throw new Error(`kinds.${index}.${found.field}: ${found.problem}`);
    if (seen.has(entry.name)) throw new Error(`kinds.${index}.name: "${entry.name}" is named twice`);
    seen.add(entry.name);
    try {
      return toKindSpec(entry);
    } catch (error) {
      throw new Error(`kinds.${index}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  });
}

/** The registry refused: it holds its bound already. */
export const registryFull = (registered: number) =>
  badInput(`the registry holds ${registered} kinds, at most ${KINDS_MAX}: kinds are metric labels, so reuse one (with data) rather than register more`, 'name');

interface Snapshot {
  kinds: RegisteredKind[];
  table: KindTable;
  /** When the read that made it started (by `clock`). */
  readAt: number;
}

export interface KindRegistryDeps {
  store: Pick<NotificationStore, 'listKinds' | 'upsertKinds'>;
  maxAgeMs?: number;
  missReadIntervalMs?: number;
  clock?: () => number;
}

export function createKindRegistry({ store, maxAgeMs = MAX_AGE_MS, missReadIntervalMs = MISS_READ_INTERVAL_MS, clock = () => performance.now() }: KindRegistryDeps) {
  let cached: Snapshot | null = null;
  let refreshing: Promise<Snapshot> | null = null;
  let lastReadStart = -Infinity;
  let nextMissRead: Promise<Snapshot> | null = null;

  const keep = (kinds: RegisteredKind[], readAt: number): Snapshot => {
    const snapshot = { kinds, table: tableOf(kinds), readAt };
    // Reads may end out of order: the one that started last wins.
    if (!cached || readAt >= cached.readAt) cached = snapshot;
    return cached;
  };

  const read = async (): Promise<Snapshot> => {
    const startedAt = clock();
    lastReadStart = startedAt;
    return keep(await store.listKinds(), startedAt);
  };

  /** The table no older than maxAgeMs; one read at a time refreshes it. A stale table serves while the store is away. */
  async function current(): Promise<Snapshot> {
    if (cached && clock() - cached.readAt < maxAgeMs) return cached;
    refreshing ??= read().finally(() => {
      refreshing = null;
    });
    if (!cached) return refreshing;
    const stale = cached;
    return refreshing.catch(() => stale);
  }

  /** A read that starts after this call, shared by every miss until it starts, and spaced from the last read. */
  function readAfterMiss(): Promise<Snapshot> {
    if (nextMissRead) return nextMissRead;
    const wait = Math.max(0, lastReadStart + missReadIntervalMs - clock());
    nextMissRead = sleep(wait).then(() => {
      nextMissRead = null;
      return read();
    });
    return nextMissRead;
  }

  /**
   * The registered kinds with their defaults, in registration order. When `names` holds one the
   * table does not, the store is read again first (see above): what it still lacks is not registered.
   */
  async function table(names: Iterable<NotificationKind> = []): Promise<KindTable> {
    const snapshot = await current();
    for (const name of names) {
      // A name no kind can have is not looked for.
      if (!snapshot.table.has(name) && KIND_PATTERN.test(name)) return (await readAfterMiss()).table;
    }
    return snapshot.table;
  }

  async function upsert(specs: readonly KindSpec[]): Promise<RegisteredKind[]> {
    const result = await store.upsertKinds(specs, KINDS_MAX);
    if (!result.ok) throw registryFull(result.registered);
    // What this instance registered, it knows at once; the others find it on their first miss.
    if (cached) {
      const changed = new Map(result.kinds.map((kind) => [kind.name, kind]));
      const kept = cached.kinds.map((kind) => changed.get(kind.name) ?? kind);
      const added = result.kinds.filter((kind) => !cached!.table.has(kind.name));
      cached = { ...cached, kinds: [...kept, ...added], table: tableOf([...kept, ...added]) };
    }
    return result.kinds;
  }

  return {
    table,
    /** Creates the kind, or changes its description and defaults (users' own choices stay). */
    async register(input: KindInput): Promise<RegisteredKind> {
      const [kind] = await upsert([toKindSpec(input)]);
      if (!kind) throw new Error('upsertKinds returned no kind');
      return kind;
    },
    /** Registers every one or none (KINDS_FILE at start). */
    registerAll: (specs: readonly KindSpec[]) => upsert(specs),
    /** Every registered kind, read from the store (the kinds query). */
    list: async (): Promise<RegisteredKind[]> => (await read()).kinds,
  };
}

export type KindRegistry = ReturnType<typeof createKindRegistry> & KindLookup;
