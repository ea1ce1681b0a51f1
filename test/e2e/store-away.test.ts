/**
 * Starting while PostgreSQL is away (it restarts as we do): the process serves at once, says
 * which part is missing, answers STORE_UNAVAILABLE rather than hanging, and opens the store by
 * itself when it answers, with no restart.
 */
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../src/dev/local-broker/index.js';
import { graphql } from '../support/graphql.js';
import { startTestSystem, TEST_DATABASE_URL, waitUntilReady, type TestSystem } from '../support/system.js';

describe('a store that is away at start', () => {
  let system: TestSystem | undefined;
  let proxy: net.Server | undefined;
  afterAll(async () => {
    await system?.dispose();
    proxy?.close();
  });

  it('serves at once, says so on /ready, answers STORE_UNAVAILABLE, and opens the store when it comes', async () => {
    // A port nothing listens on yet; later, a plain TCP relay to the real PostgreSQL on it.
    const [port] = (await freePorts(1)) as [number];
    const target = new URL(TEST_DATABASE_URL);
    const databaseUrl = new URL(TEST_DATABASE_URL);
    databaseUrl.port = String(port);
    databaseUrl.hostname = '127.0.0.1';

    system = await startTestSystem({ store: 'postgres', env: { DATABASE_URL: databaseUrl.toString() } });
    expect((await fetch(new URL('/health', system.url))).status).toBe(200);
    const ready = await fetch(new URL('/ready', system.url));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ down: expect.arrayContaining(['store']) });
    const answer = await graphql(system.url, '{ unreadCount(userId: "2") }');
    expect(answer.errors?.[0]?.extensions?.code).toBe('STORE_UNAVAILABLE');

    // PostgreSQL is back: the relay opens, and the system gets ready by itself.
    proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port || 5432), target.hostname);
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
    await waitUntilReady(system);
    expect(await graphql(system.url, '{ unreadCount(userId: "2") }')).toEqual({ data: { unreadCount: 0 } });
  }, 90_000);
});
