/** Tokens for tests: signed with the test secret every test system is started with. */
import { SCOPES } from '../../src/auth/caller.js';
import { signToken, type TokenClaims } from '../../src/dev/dev-tokens.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';

export const tokenFor = (claims: TokenClaims, secret = TEST_JWT_SECRET) => signToken(secret, { expiresIn: 3600, ...claims });

/** A user token: acts for that user alone. */
export const userToken = (userId: string, claims: Partial<TokenClaims> = {}) => tokenFor({ sub: userId, ...claims });

/** A back end's token with every scope; what the tests use when they are not about identity. */
export const adminToken: Promise<string> = tokenFor({ sub: 'test-service', scope: `${SCOPES.send} ${SCOPES.admin}` });

export const sendOnlyToken: Promise<string> = tokenFor({ sub: 'test-sender', scope: SCOPES.send });
