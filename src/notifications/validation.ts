/** Rules on what a client may send, shared by the API and the consumer's decoder. */
import { badInput } from './errors.js';

/**
 * Ids of users are opaque to us but must be safe to use as Kafka keys and in logs. They are the
 * `sub` of your identity provider's tokens, so its shapes fit: UUIDs (Keycloak, Cognito),
 * `user_2abc` (Clerk), `auth0|64f1…` and `google-oauth2|1234…` (Auth0).
 */
export const USER_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@|-]{0,63}$/;
export const NOTIFICATION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Deep enough for any real payload; bounded so no reader (ours or a client's) recurses without end. */
export const DATA_MAX_DEPTH = 32;
export const LINK_MAX_LENGTH = 2048;
export const DATA_MAX_BYTES = 16 * 1024;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/**
 * Why a piece of text cannot be kept, or null. PostgreSQL refuses U+0000, and a lone UTF-16
 * surrogate is not Unicode at all (JSON encoders and PostgreSQL's json type refuse it): either
 * would make an event that can never be stored.
 */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character';
  if (!value.isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  return null;
}

/**
 * Why a JSON-like value cannot be kept, or null: every string and key must pass `textProblem`,
 * and nesting stops at `maxDepth`. Iterative, so a hostile depth cannot overflow the stack here.
 */
export function jsonProblem(root: unknown, maxDepth = DATA_MAX_DEPTH): string | null {
  const stack: [unknown, number][] = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return problem;
    } else if (value !== null && typeof value === 'object') {
      if (depth >= maxDepth) return `must not nest deeper than ${maxDepth} levels`;
      if (Array.isArray(value)) {
        for (const inner of value) stack.push([inner, depth + 1]);
      } else {
        for (const [key, inner] of Object.entries(value)) {
          const problem = textProblem(key);
          if (problem) return problem;
          stack.push([inner, depth + 1]);
        }
      }
    } else if (typeof value === 'number' && !Number.isFinite(value)) {
      return 'must hold finite numbers only';
    } else if (value !== null && value !== undefined && typeof value !== 'number' && typeof value !== 'boolean') {
      return 'must be JSON';
    }
  }
  return null;
}

export function assertText(value: string, field: string): string {
  const problem = textProblem(value);
  if (problem) throw badInput(`${field} ${problem}`, field);
  return value;
}

/** Length as a person counts characters: code points, so an emoji is one, not two UTF-16 units. */
export const characterCount = (value: string): number => {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
};

export function assertUserId(value: string, field: string): string {
  if (!USER_ID_PATTERN.test(value)) {
    throw badInput(`${field} is not a valid user id (1-64 letters, digits or _.:@|-)`, field);
  }
  return value;
}

/** Topic names (`post-7`, `team-12`, `all`, `acme/releases`): a user id's characters and `/`, up to 128. */
export const TOPIC_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@|/-]{0,127}$/;

export function assertTopic(value: string, field = 'topic'): string {
  if (!TOPIC_PATTERN.test(value)) {
    throw badInput(`${field} is not a valid topic (1-128 letters, digits or _.:@|/-, starting with a letter or digit)`, field);
  }
  return value;
}

/**
 * Kind names: a product team's own (`invoice.paid`, `pr.review_requested`), lower case so a name
 * is spelled one way everywhere (metrics labels, preferences, GraphQL), up to 64.
 */
export const KIND_PATTERN = /^[a-z][a-z0-9_.:-]{0,63}$/;

/** Group keys (`post-7:like`): what one feed item gathers; a topic's characters, up to 128. */
export const GROUP_KEY_PATTERN = TOPIC_PATTERN;

/** Workspace (tenant) ids: opaque like user ids (`acme`, `org_2abc`), safe as keys and in logs. */
export const WORKSPACE_ID_PATTERN = USER_ID_PATTERN;

export const ACTIONS_MAX = 2;
export const ACTION_LABEL_MAX_LENGTH = 40;
/** Action keys name what the app does when pressed (`approve`, `invite.accept`). */
export const ACTION_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** Why a list of action buttons cannot be kept, or null. Shared by the API and the consumer's decoder. */
export function actionsProblem(actions: readonly { label: string; url?: string | null; key?: string | null }[]): string | null {
  if (actions.length > ACTIONS_MAX) return `actions takes at most ${ACTIONS_MAX} buttons`;
  for (const [index, action] of actions.entries()) {
    const field = `actions.${index}`;
    const label = action.label.trim();
    const text = textProblem(action.label);
    if (text) return `${field}.label ${text}`;
    if (label.length === 0 || characterCount(label) > ACTION_LABEL_MAX_LENGTH) return `${field}.label must be 1-${ACTION_LABEL_MAX_LENGTH} characters`;
    const hasUrl = action.url !== null && action.url !== undefined;
    const hasKey = action.key !== null && action.key !== undefined;
    if (hasUrl === hasKey) return `${field} must have exactly one of url and key`;
    if (hasUrl) {
      if (action.url!.length > LINK_MAX_LENGTH) return `${field}.url is longer than ${LINK_MAX_LENGTH} characters`;
      const problem = linkProblem(action.url!);
      if (problem) return `${field}.url: ${problem}`;
    }
    if (hasKey && !ACTION_KEY_PATTERN.test(action.key!)) return `${field}.key must be 1-64 letters, digits or _.:- starting with a letter or digit`;
  }
  return null;
}

export const USER_NAME_MAX_LENGTH = 200;

export function assertUserName(value: string): string {
  const name = assertText(value, 'name').trim();
  if (name.length === 0 || characterCount(name) > USER_NAME_MAX_LENGTH) {
    throw badInput(`name must be 1-${USER_NAME_MAX_LENGTH} characters`, 'name');
  }
  return name;
}

export function assertNotificationIds(ids: readonly string[], field = 'ids'): string[] {
  if (ids.length === 0) throw badInput(`${field} must not be empty`, field);
  if (ids.length > 1000) throw badInput(`${field} takes at most 1000 ids`, field);
  // UUIDs are case-insensitive (RFC 9562); ours are stored in lower case.
  const normalized = ids.map((id) => id.toLowerCase());
  for (const id of normalized) {
    if (!NOTIFICATION_ID_PATTERN.test(id)) throw badInput(`${field} contains a malformed notification id`, field);
  }
  return [...new Set(normalized)];
}

/** Why a message cannot be kept, or null. Shared by the API and the consumer's decoder. */
export function messageProblem(value: string, maxLength: number): string | null {
  // Bounded before counting: a huge string is refused without walking it.
  if (value.length > maxLength * 2 + 1024) return `message is longer than ${maxLength} characters`;
  const text = textProblem(value);
  if (text) return `message ${text}`;
  const message = value.trim();
  if (message.length === 0) return 'message must not be empty';
  if (characterCount(message) > maxLength) return `message is longer than ${maxLength} characters`;
  return null;
}

export function assertMessage(value: string, maxLength: number): string {
  const problem = messageProblem(value, maxLength);
  if (problem) throw badInput(problem, 'message');
  return value.trim();
}

export function assertLink(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  assertText(value, 'link');
  if (value.length > LINK_MAX_LENGTH) throw badInput(`link is longer than ${LINK_MAX_LENGTH} characters`, 'link');
  const problem = linkProblem(value);
  if (problem) throw badInput(problem, 'link');
  return value;
}

const LINK_BASE = 'https://app.invalid';

/** Why a link is unsafe to render, or null. Shared by the API and the consumer's decoder. */
export function linkProblem(value: string): string | null {
  const invalid = 'link must be an http(s) URL or a path starting with /';
  // Browsers forgive backslashes and strip tabs and newlines, which turns "/\\evil" into "//evil".
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return invalid;
  let url: URL;
  try {
    url = new URL(value, LINK_BASE);
  } catch {
    return invalid;
  }
  if (value.startsWith('/')) {
    // Relative links ("/posts/42") are how apps point into themselves; they must stay on the app's host.
    return url.origin === LINK_BASE ? null : invalid;
  }
  if (!/^https?:\/\//i.test(value) || (url.protocol !== 'http:' && url.protocol !== 'https:')) return invalid;
  return null;
}

/** Why a `data` payload cannot be kept, or null. Shared by the API and the consumer's decoder. */
export function dataProblem(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const problem = jsonProblem(value);
  if (problem) return `data ${problem}`;
  return Buffer.byteLength(JSON.stringify(value)) > DATA_MAX_BYTES ? `data is larger than ${DATA_MAX_BYTES} bytes` : null;
}

export function assertData<T>(value: T): T {
  const problem = dataProblem(value);
  if (problem) throw badInput(problem, 'data');
  return value;
}

/**
 * A critical kind has no sender: the service itself speaks, as with the seeded SYSTEM (and it
 * cannot be muted). Every other kind has one: someone did something. Kinds say which by `critical`
 * in the registry (kinds.ts).
 */
export const senderFitsKind = (kind: { critical: boolean }, senderId: string | null): boolean => kind.critical === (senderId === null);
