// The one entry to the development aids: main.ts asks it once (through src/development.ts) what
// development adds to a start, and the tests' system asks it the same way. The production build
// leaves src/dev out, so nothing here can reach a production process.
import { resolve } from 'node:path';
import type { DevelopmentAids } from '../development.js';
import { OPENAPI_PATH } from '../rest/openapi.js';
import { ANALYTICS_PATH, useAnalyticsPage } from './analytics-page.js';
import { REFERENCE_PATH, useApiReference } from './api-reference.js';
import { useDemoPage } from './demo-page.js';
import { DEMO_USERS } from './demo-users.js';
import { demoTokens, devTokens, loadOrCreateDevSecret, type DevTokens } from './dev-tokens.js';
import { graphiqlTabs } from './graphiql-tabs.js';
import { startLocalBroker, type LocalBroker } from './local-broker/index.js';

/**
 * Outside production with neither a secret nor a JWKS: a development secret and tokens signed with
 * it, which GraphiQL's tabs and the inbox demo at `/` carry. The demo users seeded when
 * SEED_DEMO_USERS says so; a local broker when KAFKA_BROKERS is unset; the HTTP API's reference
 * page wherever GraphiQL is on. `tokens` is for the tests,
 * which act as the demo users.
 */
export const startDevelopment = (async ({ config, log }) => {
  const { auth } = config;
  const secret = auth.devSecret ? await loadOrCreateDevSecret(config.dataDir) : auth.secret;
  const tokens: DevTokens | null =
    auth.devSecret && secret ? await devTokens(secret, DEMO_USERS, { issuer: auth.issuer, audience: auth.audience, expiresIn: auth.maxTokenLifetimeS }) : null;
  const tour = tokens && demoTokens(tokens);

  let broker: LocalBroker | null = null;
  let brokers = config.kafka.brokers;
  if (!brokers) {
    log.info('KAFKA_BROKERS is not set: starting a local Kafka broker (the first start downloads Kafka, about 45 MB)');
    broker = await startLocalBroker({ dataDir: resolve(config.dataDir, 'kafka'), log: (line) => log.info(line) });
    brokers = broker.brokers;
  }

  return {
    config: { ...config, auth: { ...auth, secret } },
    brokers,
    tokens,
    extensions: {
      ...(config.seedDemoUsers && { prepareStore: (store) => store.seedUsers(DEMO_USERS) }),
      app: {
        // A page load carries no CSRF header: the demo page answers before the API's plugins.
        plugins: [
          // With GraphiQL's switch: on in development, off in production.
          ...(config.http.graphiql ? [useApiReference({ openApiPath: OPENAPI_PATH })] : []),
          ...(tour ? [useDemoPage({ tokens: tour, serviceToken: tokens?.service, graphqlPath: '/graphql' })] : []),
          // The live analytics page acts with the development service token (admin scope).
          ...(tokens ? [useAnalyticsPage({ serviceToken: tokens.service, graphqlPath: '/graphql' })] : []),
        ],
        graphiql: graphiqlTabs(tour, tokens?.service),
      },
    },
    announce(url) {
      if (config.http.graphiql) log.info(`HTTP API reference at ${new URL(REFERENCE_PATH, url).href} (OpenAPI ${new URL(OPENAPI_PATH, url).href})`);
      if (!tokens) return;
      // Development only: config refuses to start in production without a real secret or JWKS.
      const lines = tokens.users.map(({ user, token }) => `  ${user.name} (user ${user.id}): ${token}`);
      log.info(
        `Development tokens (HS256, secret in ${resolve(config.dataDir, 'dev-jwt-secret')}; send as "Authorization: Bearer <token>"):\n${lines.join('\n')}\n  service (notifications:send notifications:admin): ${tokens.service}`,
      );
      log.info(`Inbox demo at ${new URL('/', url).href} (pick Emma or Bruno)`);
      log.info(`Live analytics at ${new URL(ANALYTICS_PATH, url).href} (the stats consumer's figures, with the development service token)`);
    },
    stop: async () => broker?.stop(),
    kill: () => broker?.kill(),
  };
}) satisfies DevelopmentAids['startDevelopment'];
