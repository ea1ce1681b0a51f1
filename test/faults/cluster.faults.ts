// Scenario 3: a three-broker KRaft cluster (replication factor 3, min ISR 2); one broker killed for good.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { runFull, startEnvironment, stopEnvironment, type Environment } from './support/full.js';
import { killClusterNode, requireMinIsr } from './support/scenarios.js';

describe('fault 3: one broker of three killed for good', () => {
  let env: Environment | undefined;
  beforeAll(async () => {
    env = await startEnvironment(3);
  });
  afterAll(() => stopEnvironment(env));

  it('keeps acknowledging, storing and pushing; nothing lost, duplicated or unpushed', async ({ expect }) => {
    if (!env) throw new Error('no environment');
    const { cluster } = env;
    let topicSettings: Awaited<ReturnType<typeof requireMinIsr>> | undefined;
    const result = await runFull(
      env,
      {
        name: '3. 3 brokers, one killed for good',
        appEnv: { KAFKA_REPLICATION_FACTOR: '3' },
        // The app creates its topics with KAFKA_REPLICATION_FACTOR and sets no min.insync.replicas:
        // the test sets it to 2 on both topics before the load starts.
        prepare: async ({ topic }) => {
          topicSettings = await requireMinIsr(cluster.kafka, [topic, `${topic}.dlq`], 2);
        },
        faults: async (ctx) => {
          ctx.note(`min.insync.replicas as the app created the topics: ${JSON.stringify(topicSettings?.before)} (${topicSettings?.appSetIt ? 'the app set 2 itself' : 'not 2: set to 2 by the test'})`);
          ctx.require('topics have 3 replicas (KAFKA_REPLICATION_FACTOR=3)', Object.values(topicSettings?.replication ?? {}).every((n) => n === 3), JSON.stringify(topicSettings?.replication));
          ctx.require('topics have min.insync.replicas=2', Object.values(topicSettings?.minIsr ?? {}).every((v) => v === '2'), JSON.stringify(topicSettings?.minIsr));
          await killClusterNode(cluster.nodes, () => cluster.kafka)(ctx);
        },
      },
      expect,
    );
    expect(result.faults).toHaveLength(1);
  });
});
