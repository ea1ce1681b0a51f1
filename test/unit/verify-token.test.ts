/**
 * The token verifier with real tokens signed by jose: HS256 with a shared secret, and RS256/ES256
 * keys served as a JWKS by a real local HTTP server. Every refusal is UNAUTHENTICATED and says why.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/auth/caller.js';
import { callerFromClaims, createTokenVerifier } from '../../src/auth/verify-token.js';
import { NotifyError } from '../../src/notifications/errors.js';
import { expectNotifyError } from './fixtures.js';

const SECRET = 'unit-test-secret-that-is-at-least-32-chars';
const secretKey = (secret = SECRET) => new TextEncoder().encode(secret);
const nowS = () => Math.floor(Date.now() / 1000);

interface SignOptions {
  claims?: JWTPayload;
  sub?: string | null;
  exp?: number | null;
  issuer?: string;
  audience?: string;
  alg?: string;
  kid?: string;
}

/** Signs with `key`; by default a token for user "alice" valid for an hour. */
function sign(key: CryptoKey | Uint8Array, { claims = {}, sub = 'alice', exp = nowS() + 3600, issuer, audience, alg = 'HS256', kid }: SignOptions = {}) {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT', ...(kid && { kid }) }).setIssuedAt();
  if (sub !== null) jwt = jwt.setSubject(sub);
  if (exp !== null) jwt = jwt.setExpirationTime(exp);
  if (issuer) jwt = jwt.setIssuer(issuer);
  if (audience) jwt = jwt.setAudience(audience);
  return jwt.sign(key);
}

/** Awaits `promise`, expecting a NotifyError UNAUTHENTICATED whose message matches `message`. */
async function expectUnauthenticated(promise: Promise<unknown>, message: string | RegExp): Promise<NotifyError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(NotifyError);
  const error = caught as NotifyError;
  expect(error.code).toBe('UNAUTHENTICATED');
  if (typeof message === 'string') expect(error.message).toBe(message);
  else expect(error.message).toMatch(message);
  return error;
}

function expectUnauthenticatedSync(fn: () => unknown, message: string): void {
  expect(expectNotifyError(fn, 'UNAUTHENTICATED').message).toBe(message);
}

describe('callerFromClaims', () => {
  it('makes a user caller of a token with no scopes, with its expiry', () => {
    const exp = nowS() + 60;
    expect(callerFromClaims({ sub: 'alice', exp })).toEqual({ kind: 'user', userId: 'alice', expiresAt: new Date(exp * 1000) });
    expect(callerFromClaims({ sub: 'bob' })).toEqual({ kind: 'user', userId: 'bob', expiresAt: null });
  });

  it.each([
    ['a space-separated scope string with send', { scope: `openid ${SCOPES.send}` }, { canSend: true, isAdmin: false }],
    ['a scope string with admin', { scope: SCOPES.admin }, { canSend: true, isAdmin: true }],
    ['an scp array with send', { scp: ['profile', SCOPES.send] }, { canSend: true, isAdmin: false }],
    ['an scp array with admin', { scp: [SCOPES.admin] }, { canSend: true, isAdmin: true }],
    ['a permissions array (Auth0) with send', { permissions: [SCOPES.send] }, { canSend: true, isAdmin: false }],
    ['a permissions array (Auth0) with admin', { permissions: ['read:things', SCOPES.admin] }, { canSend: true, isAdmin: true }],
  ])('makes a service caller of %s', (_name, claims, rights) => {
    expect(callerFromClaims({ sub: 'billing', ...claims })).toEqual({ kind: 'service', subject: 'billing', expiresAt: null, ...rights });
  });

  it('ignores scopes it does not know, and non-string entries in scope arrays', () => {
    expect(callerFromClaims({ sub: 'alice', scope: 'openid profile', scp: [42, null], permissions: [{ scope: SCOPES.admin }] })).toEqual({
      kind: 'user',
      userId: 'alice',
      expiresAt: null,
    });
  });

  it.each([
    ['no sub', {}],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 as unknown as string }],
  ])('refuses a token with %s', (_name, claims) => {
    expectUnauthenticatedSync(() => callerFromClaims(claims), 'the token has no subject (sub)');
    expectUnauthenticatedSync(() => callerFromClaims({ ...claims, scope: SCOPES.admin }), 'the token has no subject (sub)');
  });

  it.each([['two words'], ['x'.repeat(65)], ['-leading-dash'], ['emoji😀']])('refuses a user token whose sub %j is not a valid user id', (sub) => {
    expectUnauthenticatedSync(() => callerFromClaims({ sub }), 'the token subject is not a valid user id');
  });
});

describe('HS256 with a shared secret', () => {
  const verifier = createTokenVerifier({ secret: SECRET });

  it('admits a user token as that user, with its expiry', async () => {
    const exp = nowS() + 600;
    expect(await verifier.verify(await sign(secretKey(), { sub: 'user-7', exp }))).toEqual({
      kind: 'user',
      userId: 'user-7',
      expiresAt: new Date(exp * 1000),
    });
  });

  it('admits a scoped token as a service', async () => {
    const token = await sign(secretKey(), { sub: 'backend', claims: { scope: `${SCOPES.send} ${SCOPES.admin}` } });
    expect(await verifier.verify(token)).toMatchObject({ kind: 'service', subject: 'backend', canSend: true, isAdmin: true });
    const sendOnly = await sign(secretKey(), { sub: 'mailer', claims: { scp: [SCOPES.send] } });
    expect(await verifier.verify(sendOnly)).toMatchObject({ kind: 'service', subject: 'mailer', canSend: true, isAdmin: false });
  });

  it('refuses a verified token without a subject, or with a subject that is no user id', async () => {
    await expectUnauthenticated(verifier.verify(await sign(secretKey(), { sub: null })), 'the token has no subject (sub)');
    await expectUnauthenticated(verifier.verify(await sign(secretKey(), { sub: 'not a user' })), 'the token subject is not a valid user id');
  });

  it('refuses an expired token, unless within the clock tolerance', async () => {
    const token = await sign(secretKey(), { exp: nowS() - 10 });
    await expectUnauthenticated(verifier.verify(token), 'the token has expired');
    await expectUnauthenticated(createTokenVerifier({ secret: SECRET, clockToleranceS: 5 }).verify(token), 'the token has expired');
    const tolerant = createTokenVerifier({ secret: SECRET, clockToleranceS: 60 });
    expect(await tolerant.verify(token)).toMatchObject({ kind: 'user', userId: 'alice' });
  });

  it('refuses a token signed with another secret', async () => {
    const token = await sign(secretKey('another-secret-that-is-also-32-chars-long'));
    await expectUnauthenticated(verifier.verify(token), 'the token signature is not valid');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    const token = await sign(secretKey(), { sub: 'alice' });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'admin', scope: SCOPES.admin, exp: nowS() + 3600 })).toString('base64url');
    await expectUnauthenticated(verifier.verify(`${header}.${forged}.${signature}`), 'the token signature is not valid');
  });

  it('refuses an unsecured token (alg: none)', async () => {
    const token = new UnsecuredJWT({ scope: SCOPES.admin }).setSubject('alice').setIssuedAt().setExpirationTime('1h').encode();
    expect(token.endsWith('.')).toBe(true);
    await expectUnauthenticated(verifier.verify(token), 'the token is signed with an algorithm that is not accepted');
  });

  it('refuses a token signed with another HMAC algorithm', async () => {
    const token = await sign(secretKey(), { alg: 'HS512' });
    await expectUnauthenticated(verifier.verify(token), 'the token is signed with an algorithm that is not accepted');
  });

  it.each([
    ['an empty string', ''],
    ['garbage', 'not-a-jwt'],
    ['two parts', 'abc.def'],
    ['an over-long token', `${'a'.repeat(8200)}.b.c`],
  ])('refuses %s as not a valid JWT', async (_name, token) => {
    await expectUnauthenticated(verifier.verify(token), 'the token is not a valid JWT');
  });

  describe('with an issuer and an audience configured', () => {
    const strict = createTokenVerifier({ secret: SECRET, issuer: 'https://auth.example.com/', audience: 'kafka-notify' });
    const good = { issuer: 'https://auth.example.com/', audience: 'kafka-notify' };

    it('admits a token from that issuer for that audience', async () => {
      expect(await strict.verify(await sign(secretKey(), good))).toMatchObject({ kind: 'user', userId: 'alice' });
    });

    it('refuses another issuer, or none', async () => {
      await expectUnauthenticated(strict.verify(await sign(secretKey(), { ...good, issuer: 'https://evil.example.com/' })), "the token's iss claim is not accepted");
      await expectUnauthenticated(strict.verify(await sign(secretKey(), { audience: good.audience })), "the token's iss claim is not accepted");
    });

    it('refuses another audience, or none', async () => {
      await expectUnauthenticated(strict.verify(await sign(secretKey(), { ...good, audience: 'other-api' })), "the token's aud claim is not accepted");
      await expectUnauthenticated(strict.verify(await sign(secretKey(), { issuer: good.issuer })), "the token's aud claim is not accepted");
    });

    it('does not check either when none is configured', async () => {
      expect(await verifier.verify(await sign(secretKey(), { issuer: 'anyone', audience: 'anything' }))).toMatchObject({ kind: 'user' });
    });
  });
});

describe('verifyAuthorization', () => {
  const verifier = createTokenVerifier({ secret: SECRET });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['an empty header', ''],
  ])('refuses %s as a missing bearer token', async (_name, header) => {
    await expectUnauthenticated(verifier.verifyAuthorization(header), 'missing bearer token: send Authorization: Bearer <token>');
  });

  it.each([
    ['another scheme', (token: string) => `Basic ${token}`],
    ['the bare token', (token: string) => token],
    ['the scheme alone', () => 'Bearer'],
    ['the scheme and spaces', () => 'Bearer    '],
    ['two tokens', (token: string) => `Bearer ${token} ${token}`],
    ['no space after the scheme', (token: string) => `Bearer${token}`],
  ])('refuses %s as a malformed header', async (_name, header) => {
    const token = await sign(secretKey());
    await expectUnauthenticated(verifier.verifyAuthorization(header(token)), 'the Authorization header must be "Bearer <token>"');
  });

  it.each([
    ['one space', (token: string) => `Bearer ${token}`],
    ['several spaces', (token: string) => `Bearer    ${token}`],
    ['trailing spaces', (token: string) => `Bearer ${token}   `],
    ['a lower-case scheme', (token: string) => `bearer ${token}`],
  ])('admits a Bearer header with %s', async (_name, header) => {
    const token = await sign(secretKey(), { sub: 'bob' });
    expect(await verifier.verifyAuthorization(header(token))).toMatchObject({ kind: 'user', userId: 'bob' });
  });

  it('refuses a well-formed header carrying a bad token', async () => {
    await expectUnauthenticated(verifier.verifyAuthorization('Bearer not.a.jwt'), 'the token is not a valid JWT');
  });
});

describe('RS256 and ES256 keys from a JWKS URL', () => {
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;
  let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
  let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
  let stranger: { publicKey: CryptoKey; privateKey: CryptoKey };

  beforeAll(async () => {
    rsa = await generateKeyPair('RS256');
    ec = await generateKeyPair('ES256');
    stranger = await generateKeyPair('RS256');
    const keys: JWK[] = [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ];
    const body = JSON.stringify({ keys });
    server = createServer((request, response) => {
      if (request.url !== '/.well-known/jwks.json') {
        response.writeHead(404).end();
        return;
      }
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('admits tokens signed by each key it serves, fetching the JWKS from the server', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    const before = fetches;
    const byRsa = await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1', sub: 'carol' });
    const byEc = await sign(ec.privateKey, { alg: 'ES256', kid: 'ec-1', claims: { permissions: [SCOPES.send] }, sub: 'mailer' });
    expect(await verifier.verify(byRsa)).toMatchObject({ kind: 'user', userId: 'carol' });
    expect(await verifier.verify(byEc)).toMatchObject({ kind: 'service', subject: 'mailer', canSend: true, isAdmin: false });
    expect(fetches).toBeGreaterThan(before);
  });

  it('checks issuer and audience with a JWKS too', async () => {
    const verifier = createTokenVerifier({ jwksUrl, issuer: 'https://idp.example.com/', audience: 'notify' });
    const good = await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1', issuer: 'https://idp.example.com/', audience: 'notify' });
    expect(await verifier.verify(good)).toMatchObject({ kind: 'user', userId: 'alice' });
    const wrongAudience = await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1', issuer: 'https://idp.example.com/', audience: 'other' });
    await expectUnauthenticated(verifier.verify(wrongAudience), "the token's aud claim is not accepted");
  });

  it('refuses an expired token signed by a known key', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    await expectUnauthenticated(verifier.verify(await sign(ec.privateKey, { alg: 'ES256', kid: 'ec-1', exp: nowS() - 30 })), 'the token has expired');
  });

  it('refuses a token signed by a key that is not in the JWKS', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    const unknownKid = await sign(stranger.privateKey, { alg: 'RS256', kid: 'stranger-1' });
    await expectUnauthenticated(verifier.verify(unknownKid), 'no known key signed the token');
  });

  it("refuses a token signed by a foreign key under a known key's kid", async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    const impostor = await sign(stranger.privateKey, { alg: 'RS256', kid: 'rsa-1' });
    await expectUnauthenticated(verifier.verify(impostor), 'the token signature is not valid');
  });

  it('refuses an HS256 token that uses the public key material as its secret', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    const pem = await exportSPKI(rsa.publicKey);
    const jwk = await exportJWK(rsa.publicKey);
    for (const material of [pem, JSON.stringify(jwk), jwk.n!]) {
      const token = await sign(new TextEncoder().encode(material), { alg: 'HS256', kid: 'rsa-1', claims: { scope: SCOPES.admin } });
      await expectUnauthenticated(verifier.verify(token), 'the token is signed with an algorithm that is not accepted');
    }
  });

  it('refuses an unsecured token (alg: none)', async () => {
    const verifier = createTokenVerifier({ jwksUrl });
    const token = new UnsecuredJWT({ scope: SCOPES.admin }).setSubject('alice').setExpirationTime('1h').encode();
    await expectUnauthenticated(verifier.verify(token), 'the token is signed with an algorithm that is not accepted');
  });
});

describe('createTokenVerifier', () => {
  it('needs a secret or a JWKS URL', () => {
    expect(() => createTokenVerifier({})).toThrow('a token verifier needs a secret or a JWKS URL');
  });
});
