/**
 * Development identity: a secret kept under DATA_DIR (so tokens printed earlier still work after
 * a restart), and ready-made tokens for the demo users and one service. Never used in production:
 * config refuses to start there without AUTH_JWT_SECRET or AUTH_JWKS_URL, and its build leaves
 * src/dev out. Tests and the bench sign the tokens they act with here too.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { SCOPES } from '../auth/caller.js';
import type { User } from '../notifications/notification.js';

const DEV_TOKEN_LIFETIME = '30d';

export async function loadOrCreateDevSecret(dataDir: string): Promise<string> {
  const file = join(dataDir, 'dev-jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export interface TokenClaims {
  sub: string;
  scope?: string;
  /** Seconds from now, or a jose duration such as '30d'. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
  /** Further claims, as an identity provider adds them (a workspace's `org_id`, say). */
  claims?: Record<string, unknown>;
}

/** Signs an HS256 token: dev tokens, and tests and benchmarks that act as a given caller. */
export function signToken(secret: string, { sub, scope, expiresIn = DEV_TOKEN_LIFETIME, issuer, audience, claims }: TokenClaims): Promise<string> {
  // One reading of the clock for iat and exp: a token made to live exactly the longest lifetime
  // accepted must not come out a second longer.
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ ...claims, ...(scope && { scope }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(typeof expiresIn === 'number' ? now + expiresIn : expiresIn);
  if (issuer) jwt = jwt.setIssuer(issuer);
  if (audience) jwt = jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

export interface DevTokens {
  users: { user: User; token: string }[];
  service: string;
}

/** Tokens for the demo users and a service; `expiresIn` is the longest lifetime the server accepts, so they work until then. */
export async function devTokens(secret: string, users: readonly User[], claims: Pick<TokenClaims, 'issuer' | 'audience' | 'expiresIn'> = {}): Promise<DevTokens> {
  return {
    users: await Promise.all(users.map(async (user) => ({ user, token: await signToken(secret, { sub: user.id, ...claims }) }))),
    service: await signToken(secret, { sub: 'dev-service', scope: `${SCOPES.send} ${SCOPES.admin}`, ...claims }),
  };
}

/** The two tokens the tour hands out (GraphiQL's tabs, the inbox demo): Emma sends, Bruno listens. */
export interface DemoTokens {
  emma: string;
  bruno: string;
}

export function demoTokens(tokens: DevTokens): DemoTokens | null {
  const tokenOf = (userId: string) => tokens.users.find(({ user }) => user.id === userId)?.token;
  const emma = tokenOf('1');
  const bruno = tokenOf('2');
  return emma && bruno ? { emma, bruno } : null;
}
