/**
 * Identity settings: production refuses to start without a way to verify tokens; in development
 * a secret is made once under DATA_DIR, and the dev tokens signed with it verify as their callers.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../src/auth/verify-token.js';
import { ConfigError, parseConfig } from '../../src/config.js';
import { DEMO_USERS } from '../../src/dev/demo-users.js';
import { devTokens, loadOrCreateDevSecret } from '../../src/dev/dev-tokens.js';
import { NotifyError } from '../../src/notifications/errors.js';
import { configProblems } from './fixtures.js';

const problems = configProblems;

const SECRET = 'a-production-secret-of-at-least-32-characters';

describe('parseConfig: identity', () => {
  it('refuses production without AUTH_JWT_SECRET or AUTH_JWKS_URL, naming AUTH_JWT_SECRET', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    const found = problems({ NODE_ENV: 'production' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^AUTH_JWT_SECRET: /);
    expect(found[0]).toContain('AUTH_JWKS_URL');
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET/);
  });

  it('treats an empty AUTH_JWT_SECRET in production as missing', () => {
    expect(problems({ NODE_ENV: 'production', AUTH_JWT_SECRET: '' })[0]).toMatch(/^AUTH_JWT_SECRET: /);
  });

  it('starts in production with a secret, or a JWKS URL, and makes no dev secret', () => {
    const withSecret = parseConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET });
    expect(withSecret.auth).toMatchObject({ secret: SECRET, jwksUrl: undefined, devSecret: false });
    const withJwks = parseConfig({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json' });
    expect(withJwks.auth).toMatchObject({ secret: undefined, jwksUrl: 'https://idp.example.com/.well-known/jwks.json', devSecret: false });
  });

  it('refuses a short secret, and a secret together with a JWKS URL', () => {
    expect(problems({ AUTH_JWT_SECRET: 'short' })).toEqual([expect.stringMatching(/^AUTH_JWT_SECRET: /)]);
    expect(problems({ AUTH_JWT_SECRET: SECRET, AUTH_JWKS_URL: 'https://idp.example.com/jwks' })).toEqual([
      expect.stringMatching(/^AUTH_JWKS_URL: /),
    ]);
  });

  it('accepts tokens living a day at most in production, 30 days (the dev tokens) outside it, or AUTH_MAX_TOKEN_LIFETIME_S', () => {
    expect(parseConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET }).auth.maxTokenLifetimeS).toBe(86_400);
    expect(parseConfig({}).auth.maxTokenLifetimeS).toBe(30 * 86_400);
    expect(parseConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: SECRET, AUTH_MAX_TOKEN_LIFETIME_S: '900' }).auth.maxTokenLifetimeS).toBe(900);
    for (const bad of ['0', '-1', '1.5', 'a day']) {
      expect(problems({ AUTH_MAX_TOKEN_LIFETIME_S: bad })).toEqual([expect.stringMatching(/^AUTH_MAX_TOKEN_LIFETIME_S: /)]);
    }
  });

  it('outside production, without either, asks for a dev secret', () => {
    expect(parseConfig({}).auth.devSecret).toBe(true);
    expect(parseConfig({ AUTH_JWT_SECRET: SECRET }).auth.devSecret).toBe(false);
  });
});

describe('dev identity', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kafka-notify-dev-secret-'));
    dirs.push(dir);
    return dir;
  };

  it('creates the secret once, readable by its owner only, and returns the same one afterwards', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data');
    const first = await loadOrCreateDevSecret(dataDir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    const file = join(dataDir, 'dev-jwt-secret');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
    expect(await loadOrCreateDevSecret(dataDir)).toBe(first);
    // Another data directory gets another secret.
    expect(await loadOrCreateDevSecret(await tempDir())).not.toBe(first);
  });

  it('replaces a stored secret that is too short to be safe', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'dev-jwt-secret'), 'short\n');
    const secret = await loadOrCreateDevSecret(dataDir);
    expect(secret).not.toBe('short');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(await loadOrCreateDevSecret(dataDir)).toBe(secret);
  });

  // As system.ts makes them: living the longest lifetime the development server accepts.
  const { auth } = parseConfig({});
  const lifetime = { expiresIn: auth.maxTokenLifetimeS };

  it('signs dev tokens that verify as those users, and as an admin service', async () => {
    const secret = await loadOrCreateDevSecret(await tempDir());
    const tokens = await devTokens(secret, DEMO_USERS, lifetime);
    const verifier = createTokenVerifier({ secret, maxTokenLifetimeS: auth.maxTokenLifetimeS });
    expect(tokens.users.map(({ user }) => user)).toEqual(DEMO_USERS);
    for (const { user, token } of tokens.users) {
      expect(await verifier.verify(token)).toMatchObject({ kind: 'user', userId: user.id });
    }
    const service = await verifier.verify(tokens.service);
    expect(service).toMatchObject({ kind: 'service', subject: 'dev-service', canSend: true, isAdmin: true });
    // Long-lived, but not forever: 30 days.
    expect(service.expiresAt.getTime()).toBeGreaterThan(Date.now() + 29 * 24 * 3600 * 1000);
    expect(service.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 30 * 24 * 3600 * 1000);
  });

  it('signs dev tokens that live no longer than a shorter AUTH_MAX_TOKEN_LIFETIME_S, which a production verifier refuses otherwise', async () => {
    const secret = await loadOrCreateDevSecret(await tempDir());
    const { auth: hourly } = parseConfig({ AUTH_MAX_TOKEN_LIFETIME_S: '3600' });
    const tokens = await devTokens(secret, DEMO_USERS.slice(0, 1), { expiresIn: hourly.maxTokenLifetimeS });
    const verifier = createTokenVerifier({ secret, maxTokenLifetimeS: hourly.maxTokenLifetimeS });
    expect((await verifier.verify(tokens.service)).expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 3600 * 1000);
    // The 30-day tokens are too long-lived for production's day.
    const monthly = await devTokens(secret, DEMO_USERS.slice(0, 1), lifetime);
    const production = parseConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: secret }).auth;
    await expect(createTokenVerifier({ ...production }).verify(monthly.service)).rejects.toSatisfy(
      (error: unknown) => error instanceof NotifyError && error.code === 'UNAUTHENTICATED' && /lives longer than the 86400 s/.test(error.message),
    );
  });

  it('signs dev tokens with the configured issuer and audience, which a strict verifier accepts', async () => {
    const secret = await loadOrCreateDevSecret(await tempDir());
    const claims = { issuer: 'https://dev.local/', audience: 'kafka-notify' };
    const tokens = await devTokens(secret, DEMO_USERS.slice(0, 1), { ...claims, ...lifetime });
    const strict = createTokenVerifier({ secret, ...claims, maxTokenLifetimeS: auth.maxTokenLifetimeS });
    expect(await strict.verify(tokens.users[0]!.token)).toMatchObject({ kind: 'user', userId: DEMO_USERS[0]!.id });
    expect(await strict.verify(tokens.service)).toMatchObject({ kind: 'service', isAdmin: true });
  });

  it('dev tokens do not verify under another secret', async () => {
    const tokens = await devTokens(await loadOrCreateDevSecret(await tempDir()), DEMO_USERS);
    const other = createTokenVerifier({ secret: await loadOrCreateDevSecret(await tempDir()) });
    await expect(other.verify(tokens.service)).rejects.toSatisfy(
      (error: unknown) => error instanceof NotifyError && error.code === 'UNAUTHENTICATED' && error.message === 'the token signature is not valid',
    );
  });
});
