// Scenario 8: two instances sharing Redis (the subscribers on one, the load on the other); Redis
// killed with kill -9 for 10 s mid-load and restarted empty.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startTestRedis, type TestRedis } from '../support/redis-server.js';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { killRedis, linesAbout } from './support/scenarios.js';

describe('fault 8: Redis killed between two instances', () => {
  let env: Environment | undefined;
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    [env, redis] = await Promise.all([startEnvironment(1), startTestRedis()]);
  });
  afterAll(async () => {
    await redis?.stop();
    await stopEnvironment(env);
  });

  it('every open feed catches up by itself: nothing lost, duplicated or unpushed, no reconnect, one log line each way', async ({ expect }) => {
    if (!env || !redis) throw new Error('no environment');
    const fault = killRedis(redis, { downMs: 10_000, catchUpBoundMs: 1_000 });
    await runFull(
      env,
      {
        name: '8. kill -9 Redis 10 s, two instances',
        appEnv: { REDIS_URL: redis.url },
        secondInstance: true,
        faults: async (ctx) => {
          await fault(ctx);
          for (const app of [ctx.app, ctx.second!]) {
            const lines = linesAbout(app, /redis/i);
            const away = Object.entries(lines).filter(([message]) => message.includes('Redis pub/sub is unavailable'));
            ctx.require('one warn line when Redis went away, per instance, and no other warn or error line about Redis', away.length === 1 && away[0]![1] === 1 && Object.keys(lines).length === 1, JSON.stringify(lines));
            ctx.require('one line when Redis came back, per instance', app.findLine((line) => line.includes('Redis pub/sub is back')) !== undefined);
          }
        },
      },
      expect,
    );
  });
});
