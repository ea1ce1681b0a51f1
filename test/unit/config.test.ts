import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { configProblems } from './fixtures.js';

const problems = configProblems;

describe('parseConfig', () => {
  it('gives the embedded defaults when nothing is set', () => {
    const config = parseConfig({});
    expect(config.http.port).toBe(4000);
    expect(config.kafka).toMatchObject({ brokers: undefined, topic: 'notifications', dlqTopic: 'notifications.dlq', groupId: 'notifications-group' });
    expect(config.database.url).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ KAFKA_BROKERS: '', PORT: '' }).kafka.brokers).toBeUndefined();
  });

  it('names the activity topic after the notification topic unless told', () => {
    expect(parseConfig({}).kafka.activityTopic).toBe('notifications.activity');
    expect(parseConfig({ KAFKA_TOPIC: 'acme' }).kafka.activityTopic).toBe('acme.activity');
    expect(parseConfig({ KAFKA_TOPIC: 'acme', KAFKA_ACTIVITY_TOPIC: 'inbox-changes' }).kafka.activityTopic).toBe('inbox-changes');
  });

  it('reads a broker list', () => {
    expect(parseConfig({ KAFKA_BROKERS: 'a:9092, b:9093' }).kafka.brokers).toEqual(['a:9092', 'b:9093']);
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ KAFKA_PARTITIONS: '0' }, 'KAFKA_PARTITIONS'],
    [{ SEED_DEMO_USERS: 'maybe' }, 'SEED_DEMO_USERS'],
    [{ KAFKA_SASL_MECHANISM: 'plain' }, 'KAFKA_SASL_MECHANISM'],
    [{ AUTH_JWT_SECRET: 'too-short' }, 'AUTH_JWT_SECRET'],
    [{ AUTH_JWKS_URL: 'ftp://keys.example/jwks.json' }, 'AUTH_JWKS_URL'],
    [{ AUTH_JWT_SECRET: 's'.repeat(32), AUTH_JWKS_URL: 'https://keys.example/jwks.json' }, 'AUTH_JWKS_URL'],
    [{ NODE_ENV: 'production' }, 'AUTH_JWT_SECRET'],
    [{ CORS_ORIGINS: 'not a url' }, 'CORS_ORIGINS'],
    [{ LIMIT_DEPTH: '0' }, 'LIMIT_DEPTH'],
    [{ SEND_RATE_USER: '-1' }, 'SEND_RATE_USER'],
  ])('rejects %o with a line naming %s', (env, variable) => {
    const found = problems(env);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^${variable}: `));
  });

  it('listens on loopback, with a development secret and open developer tools, when nothing is set', () => {
    const config = parseConfig({});
    expect(config.http).toMatchObject({ host: '127.0.0.1', graphiql: true, introspection: true, fieldSuggestions: true, corsOrigins: ['*'] });
    expect(config.auth.devSecret).toBe(true);
  });

  it('closes the developer tools and CORS in production, unless turned on', () => {
    const production = parseConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 's'.repeat(32) });
    expect(production.http).toMatchObject({ graphiql: false, introspection: false, fieldSuggestions: false, corsOrigins: [] });
    expect(production.auth.devSecret).toBe(false);
    const opened = parseConfig({ NODE_ENV: 'production', AUTH_JWKS_URL: 'https://id.example/jwks.json', GRAPHIQL: 'true', CORS_ORIGINS: 'https://app.example/, http://localhost:3000' });
    expect(opened.http).toMatchObject({ graphiql: true, introspection: false, corsOrigins: ['https://app.example', 'http://localhost:3000'] });
  });

  it('turns tracing on only when an OTLP endpoint is named, and off again with OTEL_SDK_DISABLED', () => {
    expect(parseConfig({}).tracing.enabled).toBe(false);
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing.enabled).toBe(true);
    expect(parseConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/v1/traces' }).tracing.enabled).toBe(true);
    expect(parseConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing.enabled).toBe(false);
    expect(problems({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })[0]).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT: /);
  });
});

