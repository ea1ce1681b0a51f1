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
  const exp = nowS() + 60;

  it('makes a user caller of a token with no scope claim, with its expiry', () => {
    expect(callerFromClaims({ sub: 'alice', exp })).toEqual({ kind: 'user', userId: 'alice', expiresAt: new Date(exp * 1000) });
  });

  it.each([
    ['a space-separated scope string with send', { scope: `openid ${SCOPES.send}` }, { canSend: true, isAdmin: false }],
    ['a scope string with admin', { scope: SCOPES.admin }, { canSend: true, isAdmin: true }],
    ['a scope string with both', { scope: `${SCOPES.send} ${SCOPES.admin}` }, { canSend: true, isAdmin: true }],
  ])('makes a service caller of %s', (_name, claims, rights) => {
    expect(callerFromClaims({ sub: 'billing', exp, ...claims })).toEqual({ kind: 'service', subject: 'billing', expiresAt: new Date(exp * 1000), ...rights });
  });

  it('takes scopes from the scope claim alone: scp and permissions (arrays or not) grant nothing', () => {
    for (const other of [{ scp: [SCOPES.admin] }, { scp: SCOPES.admin }, { permissions: [SCOPES.send, SCOPES.admin] }, { scopes: SCOPES.admin }]) {
      expect(callerFromClaims({ sub: 'alice', exp, ...other })).toEqual({ kind: 'user', userId: 'alice', expiresAt: new Date(exp * 1000) });
    }
    expect(callerFromClaims({ sub: 'alice', exp, scope: 'openid profile', scp: [SCOPES.admin] })).toMatchObject({ kind: 'user' });
  });

  it('compares each scope exactly: a prefix, a suffix or another case is not the scope', () => {
    for (const scope of [`${SCOPES.admin}x`, `x${SCOPES.admin}`, SCOPES.admin.toUpperCase(), 'notifications:', `${SCOPES.send},${SCOPES.admin}`]) {
      expect(callerFromClaims({ sub: 'alice', exp, scope }), scope).toMatchObject({ kind: 'user' });
    }
  });

  it.each([
    ['an array', [SCOPES.admin]],
    ['padded', ` ${SCOPES.admin} `],
    ['with a leading space', ` ${SCOPES.admin}`],
    ['with two spaces between scopes', `${SCOPES.send}  ${SCOPES.admin}`],
    ['with a tab', `${SCOPES.send}\t${SCOPES.admin}`],
    ['with a newline', `openid\n${SCOPES.admin}`],
    ['with a double quote', `"${SCOPES.admin}"`],
    ['with a backslash', `${SCOPES.admin}\\`],
    ['empty', ''],
    ['a number', 42],
    ['an object', { admin: true }],
  ])('refuses a token whose scope claim is %s (not RFC 6749 scope grammar)', (_name, scope) => {
    expectUnauthenticatedSync(() => callerFromClaims({ sub: 'alice', exp, scope }), "the token's scope claim is not a space-delimited string of scopes");
  });

  it('refuses a token without exp, or with exp of another type', () => {
    for (const claims of [{ sub: 'alice' }, { sub: 'alice', scope: SCOPES.admin }, { sub: 'alice', exp: String(exp) }]) {
      expectUnauthenticatedSync(() => callerFromClaims(claims as JWTPayload), 'the token has no expiry (exp): only tokens that expire are accepted');
    }
  });

  describe('the longest lifetime (exp − now and exp − iat)', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const nowSeconds = now / 1000;
    const rules = { maxTokenLifetimeS: 3600, clockToleranceS: 5, now };
    const tooLong = 'the token lives longer than the 3600 s accepted here: ask for a shorter-lived one';

    it('admits a token that lives exactly the longest lifetime, by either measure', () => {
      expect(callerFromClaims({ sub: 'alice', exp: nowSeconds + 3600, iat: nowSeconds }, rules)).toMatchObject({ kind: 'user' });
      expect(callerFromClaims({ sub: 'alice', exp: nowSeconds + 3600 }, rules)).toMatchObject({ kind: 'user' });
      // The issuer's clock may run ahead by the tolerance.
      expect(callerFromClaims({ sub: 'alice', exp: nowSeconds + 3605 }, rules)).toMatchObject({ kind: 'user' });
    });

    it.each([
      ['exp 1e20', { exp: 1e20 }],
      ['exp in the year 9999', { exp: Date.parse('9999-12-31T00:00:00Z') / 1000 }],
      ['exp a second past the lifetime and the tolerance', { exp: nowSeconds + 3606 }],
      ['exp − iat a second over the lifetime, though exp is near', { exp: nowSeconds + 60, iat: nowSeconds - 3541 }],
      ['iat in the future and exp far beyond', { exp: nowSeconds + 7200, iat: nowSeconds + 3600 }],
    ])('refuses %s', (_name, claims) => {
      expectUnauthenticatedSync(() => callerFromClaims({ sub: 'alice', ...claims }, rules), tooLong);
      expectUnauthenticatedSync(() => callerFromClaims({ sub: 'svc', scope: SCOPES.admin, ...claims }, rules), tooLong);
    });

    it('defaults to a day', () => {
      expect(callerFromClaims({ sub: 'alice', exp: nowS() + 86_400 })).toMatchObject({ kind: 'user' });
      expectUnauthenticatedSync(
        () => callerFromClaims({ sub: 'alice', exp: nowS() + 86_401 }),
        'the token lives longer than the 86400 s accepted here: ask for a shorter-lived one',
      );
    });
  });

  it.each([
    ['no sub', {}],
    ['an empty sub', { sub: '' }],
    ['a numeric sub', { sub: 42 as unknown as string }],
  ])('refuses a token with %s', (_name, claims) => {
    expectUnauthenticatedSync(() => callerFromClaims({ ...claims, exp }), 'the token has no subject (sub)');
    expectUnauthenticatedSync(() => callerFromClaims({ ...claims, exp, scope: SCOPES.admin }), 'the token has no subject (sub)');
  });

  it.each([['two words'], ['x'.repeat(65)], ['-leading-dash'], ['emoji😀']])('refuses a user token whose sub %j is not a valid user id', (sub) => {
    expectUnauthenticatedSync(() => callerFromClaims({ sub, exp }), 'the token subject is not a valid user id');
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
    const sendOnly = await sign(secretKey(), { sub: 'mailer', claims: { scope: SCOPES.send } });
    expect(await verifier.verify(sendOnly)).toMatchObject({ kind: 'service', subject: 'mailer', canSend: true, isAdmin: false });
  });

  it('refuses a signed token that never expires, or lives longer than the longest lifetime', async () => {
    await expectUnauthenticated(verifier.verify(await sign(secretKey(), { exp: null })), 'the token has no expiry (exp): only tokens that expire are accepted');
    await expectUnauthenticated(verifier.verify(await sign(secretKey(), { exp: 1e20 })), /^the token lives longer than the 86400 s accepted here/);
    const hourly = createTokenVerifier({ secret: SECRET, maxTokenLifetimeS: 3600 });
    expect(await hourly.verify(await sign(secretKey(), { exp: nowS() + 3600 }))).toMatchObject({ kind: 'user' });
    await expectUnauthenticated(hourly.verify(await sign(secretKey(), { exp: nowS() + 3700 })), /^the token lives longer than the 3600 s accepted here/);
  });

  it('refuses a signed token whose scope claim is not a scope string, and ignores scp', async () => {
    for (const claims of [{ scope: [SCOPES.admin] }, { scope: ` ${SCOPES.admin} ` }]) {
      await expectUnauthenticated(verifier.verify(await sign(secretKey(), { claims })), "the token's scope claim is not a space-delimited string of scopes");
    }
    expect(await verifier.verify(await sign(secretKey(), { claims: { scp: [SCOPES.admin] } }))).toMatchObject({ kind: 'user', userId: 'alice' });
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
    const byEc = await sign(ec.privateKey, { alg: 'ES256', kid: 'ec-1', claims: { scope: SCOPES.send }, sub: 'mailer' });
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
