/**
 * KINDS_FILE: a product team's kinds kept beside its deployment, registered at every start. The
 * file is JSON, `{ "kinds": [{ "name": "invoice.paid", "description": "…", "defaultDelivery":
 * "immediate", "critical": false }, …] }`; only `name` is required (the rest default to "",
 * immediate, not critical). Read and checked before the service starts: a file that is missing,
 * not JSON or breaks a rule stops the start with a ConfigError naming the entry and the field.
 * Registered with every kind it names created or changed (the file wins at start over what the
 * registerKind mutation set before), and the kinds it does not name left as they are.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from './config.js';
import { KINDS_MAX, kindSpecProblem, toKindSpec, type KindSpec } from './notifications/kinds.js';
import type { NotificationStore } from './notifications/ports.js';
import { DELIVERIES } from './notifications/preferences.js';

const kindsFile = z.strictObject({
  kinds: z
    .array(
      z.strictObject({
        name: z.string(),
        description: z.string().optional(),
        // As GraphQL spells it (IMMEDIATE) or as the store does (immediate).
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

export async function readKindsFile(path: string): Promise<KindSpec[]> {
  const problem = (text: string) => new ConfigError([`KINDS_FILE: ${path}: ${text}`]);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw problem(`cannot be read (${error instanceof Error && 'code' in error ? String(error.code) : 'error'})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw problem(`is not JSON (${error instanceof Error ? error.message : 'parse error'})`);
  }
  const parsed = kindsFile.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw problem(`${first?.path.join('.') || 'value'}: ${first?.message ?? 'invalid'} (expected { "kinds": [{ "name", "description", "defaultDelivery", "critical" }] })`);
  }
  const seen = new Set<string>();
  return parsed.data.kinds.map((entry, index) => {
    const found = kindSpecProblem(entry);
    if (found) throw problem(`kinds.${index}.${found.field}: ${found.problem}`);
    if (seen.has(entry.name)) throw problem(`kinds.${index}.name: "${entry.name}" is named twice`);
    seen.add(entry.name);
    try {
      return toKindSpec(entry);
    } catch (error) {
      throw problem(`kinds.${index}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}

/** Registers the file's kinds (all or none); a file that would pass the registry's bound stops the start. */
export async function registerKindsFile(store: Pick<NotificationStore, 'upsertKinds'>, path: string, kinds: readonly KindSpec[]): Promise<void> {
  const result = await store.upsertKinds(kinds, KINDS_MAX);
  if (!result.ok) {
    throw new ConfigError([`KINDS_FILE: ${path}: its kinds would take the registry past ${KINDS_MAX} kinds (${result.registered} registered now)`]);
  }
}
