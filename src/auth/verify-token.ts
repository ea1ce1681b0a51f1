/**
 * Verifying bearer tokens with `jose`: HS256 with a shared secret, or RS256/ES256/EdDSA keys
 * from a JWKS URL (Auth0, Keycloak, Clerk, Cognito), with issuer, audience and expiry checked.
 * The same verifier serves HTTP, SSE and graphql-ws `connection_init`, so every transport
 * admits exactly the same callers. Strict on what a token claims (issue 15, §3.3): it must
 * expire, within the longest lifetime this service accepts, and its rights come from the
 * `scope` claim alone, in OAuth's own grammar.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { NotifyError } from '../notifications/errors.js';
import { USER_ID_PATTERN, WORKSPACE_ID_PATTERN } from '../notifications/validation.js';
import { SCOPES, type Caller } from './caller.js';

export interface TokenVerifierOptions {
  /** HS256 shared secret; or */
  secret?: string | undefined;
  /** a JWKS endpoint whose keys sign the tokens (fetched and cached by jose). */
  jwksUrl?: string | undefined;
  issuer?: string | undefined;
  audience?: string | undefined;
  clockToleranceS?: number;
  /** The longest a token may live, in seconds: both exp − iat and exp − now. */
  maxTokenLifetimeS?: number;
  /** The claim naming the caller's workspace (default `org_id`). */
  workspaceClaim?: string | undefined;
}

/** A day: what an access token of a usual identity provider lives at most. */
export const DEFAULT_MAX_TOKEN_LIFETIME_S = 86_400;

/**
 * Where a token names the caller's workspace unless configured otherwise: the organisation id of
 * Auth0 Organizations and of Clerk's organisation tokens, the identity providers' word for a tenant.
 */
export const DEFAULT_WORKSPACE_CLAIM = 'org_id';

/**
 * Most requests carry a token already seen: a client sends the same one until it expires. Keeping
 * what a verified token stands for skips the HMAC or signature check, which the bench's profile
 * showed as the largest single cost of a cheap request. Only successes are kept, each no longer
 * than its own expiry and never more than a minute, so a key a JWKS drops stops working soon.
 */
const VERIFIED_MAX = 10_000;
const VERIFIED_TTL_MS = 60_000;

export const unauthenticated = (message: string) => new NotifyError('UNAUTHENTICATED', message);

/** RFC 6749 §3.3 (and RFC 9068 §2.2.3): scope tokens of %x21 / %x23-5B / %x5D-7E, one space apart. */
const SCOPE_CLAIM = /^[\x21\x23-\x5B\x5D-\x7E]+(?: [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/**
 * The scopes of the `scope` claim, each compared exactly. Other claims (`scp`, `permissions`)
 * grant nothing, and a `scope` outside the grammar (an array, padding, doubled spaces) refuses
 * the token: a rule read loosely is a rule an issuer's mistake, or a forger, can widen.
 */
function scopesOf(payload: JWTPayload): Set<string> {
  if (payload.scope === undefined) return new Set();
  if (typeof payload.scope !== 'string' || !SCOPE_CLAIM.test(payload.scope)) {
    throw unauthenticated("the token's scope claim is not a space-delimited string of scopes");
  }
  return new Set(payload.scope.split(' '));
}

/**
 * The workspace the claim names, or undefined when the token names none (absent or null). Anything
 * else that is not a workspace id (a number, a list, an object, blank, a disallowed character)
 * refuses the token: read loosely, an issuer's mistake would put a caller in some other workspace,
 * or in none, which is another inbox.
 */
function workspaceOf(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !WORKSPACE_ID_PATTERN.test(value)) {
    throw unauthenticated(`the token's ${claim} claim is not a workspace id`);
  }
  return value;
}

export interface ClaimRules {
  maxTokenLifetimeS?: number;
  clockToleranceS?: number;
  workspaceClaim?: string | undefined;
  /** Milliseconds since the epoch. */
  now?: number;
}

/** The caller a verified token's claims stand for; throws UNAUTHENTICATED saying which claim is not accepted. */
export function callerFromClaims(
  payload: JWTPayload,
  { maxTokenLifetimeS = DEFAULT_MAX_TOKEN_LIFETIME_S, clockToleranceS = 0, workspaceClaim = DEFAULT_WORKSPACE_CLAIM, now = Date.now() }: ClaimRules = {},
): Caller {
  const { exp, iat } = payload;
  // A token that never expires is a password that never changes: every transport refuses it.
  if (typeof exp !== 'number') throw unauthenticated('the token has no expiry (exp): only tokens that expire are accepted');
  const nowS = now / 1000;
  if (exp - nowS > maxTokenLifetimeS + clockToleranceS || (typeof iat === 'number' && exp - iat > maxTokenLifetimeS)) {
    throw unauthenticated(`the token lives longer than the ${maxTokenLifetimeS} s accepted here: ask for a shorter-lived one`);
  }
  const expiresAt = new Date(exp * 1000);
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject.length === 0) throw unauthenticated('the token has no subject (sub)');
  const scopes = scopesOf(payload);
  const isAdmin = scopes.has(SCOPES.admin);
  const canSend = isAdmin || scopes.has(SCOPES.send);
  const workspaceId = workspaceOf(payload, workspaceClaim);
  const inWorkspace = workspaceId === undefined ? {} : { workspaceId };
  if (isAdmin || canSend) return { kind: 'service', subject, isAdmin, canSend, ...inWorkspace, expiresAt };
  if (!USER_ID_PATTERN.test(subject)) throw unauthenticated('the token subject is not a valid user id');
  return { kind: 'user', userId: subject, ...inWorkspace, expiresAt };
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm that is not accepted';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no known key signed the token';
  return 'the token is not a valid JWT';
}

export function createTokenVerifier(options: TokenVerifierOptions) {
  let key: KeyObject | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.secret) {
    // A KeyObject made once; raw bytes would have jose import the key again on every call.
    key = createSecretKey(Buffer.from(options.secret, 'utf8'));
    algorithms = ['HS256'];
  } else if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    // Never HS* with a JWKS: that would let a public key be used as an HMAC secret.
    algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
  } else {
    throw new Error('a token verifier needs a secret or a JWKS URL');
  }
  const verifyOptions = {
    algorithms,
    clockTolerance: options.clockToleranceS ?? 0,
    ...(options.issuer && { issuer: options.issuer }),
    ...(options.audience && { audience: options.audience }),
  };

  const claimRules = { maxTokenLifetimeS: options.maxTokenLifetimeS, clockToleranceS: options.clockToleranceS, workspaceClaim: options.workspaceClaim };
  const verified = new LRUCache<string, Caller>({ max: VERIFIED_MAX });

  /** The caller a raw token stands for; throws UNAUTHENTICATED saying what is wrong (never why internally). */
  async function verify(token: string): Promise<Caller> {
    if (token.length === 0 || token.length > 8192) throw unauthenticated('the token is not a valid JWT');
    const known = verified.get(token);
    if (known !== undefined) return known;
    let payload: JWTPayload;
    try {
      // A key-typed overload per branch; the union is what jose accepts at runtime.
      ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, verifyOptions) : await jwtVerify(token, key, verifyOptions));
    } catch (error) {
      throw unauthenticated(describe(error));
    }
    const caller = callerFromClaims(payload, claimRules);
    const ttl = Math.min(VERIFIED_TTL_MS, caller.expiresAt.getTime() - Date.now());
    if (ttl > 0) verified.set(token, caller, { ttl });
    return caller;
  }

  /** The caller of an `Authorization: Bearer <token>` header value. */
  async function verifyAuthorization(header: string | null | undefined): Promise<Caller> {
    if (!header) throw unauthenticated('missing bearer token: send Authorization: Bearer <token>');
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    return verify(match[1]!);
  }

  return { verify, verifyAuthorization };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;
