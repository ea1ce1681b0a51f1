import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.js';

describe('the stats settings', () => {
  it('run the stats consumer in every process by default, in its own group, with a five-minute grace', () => {
    const config = parseConfig({});
    expect(config.role).toBe('all');
    expect(config.stats).toEqual({ groupId: 'notifications-stats', graceMs: 300_000, redisKeyPrefix: 'kafka-notify:stats:' });
  });

  it('follow a deployment\'s own group, and take what is set', () => {
    expect(parseConfig({ KAFKA_GROUP_ID: 'eu-inbox' }).stats.groupId).toBe('eu-inbox.stats');
    const config = parseConfig({ ROLE: 'stats', STATS_GROUP_ID: 'figures', STATS_GRACE_MS: '0', STATS_REDIS_PREFIX: 'x:' });
    expect(config.role).toBe('stats');
    expect(config.stats).toEqual({ groupId: 'figures', graceMs: 0, redisKeyPrefix: 'x:' });
  });

  it('refuse an unknown role', () => {
    expect(() => parseConfig({ ROLE: 'worker' })).toThrow(ConfigError);
  });
});
