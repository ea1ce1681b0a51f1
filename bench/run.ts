/**
 * `npm run bench`: starts its own real parts (a Kafka broker from the jars, or KAFKA_BROKERS; the
 * real system through startSystem in a server process of its own; PGlite in a temp folder, or
 * PostgreSQL in a schema of its own with BENCH_DATABASE_URL), measures five figures, each as a
 * ratio to a baseline measured in the same run, prints a table, writes bench/results/latest.{json,md},
 * and stops everything it started, also on failure and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { KAFKA_VERSION, startLocalBroker } from '../src/local-broker/local-broker.js';
import { projectPaths } from '../src/local-broker/paths.js';
import { DEMO_USERS } from '../src/notifications/demo-users.js';
import { BENCH_JWT_SECRET, httpStatus } from './clients.js';
import { benchUsers, type BenchContext } from './context.js';
import { fanoutFigure } from './figures/fanout.js';
import { ingestFigure } from './figures/ingest.js';
import { latencyFigure } from './figures/latency.js';
import { produceFigure } from './figures/produce.js';
import { queryFigure } from './figures/query.js';
import { SERVER_NODE_ENV, spawnHost, type HostProcess } from './host-process.js';
import { rawKafka, recipientsAcrossPartitions } from './kafka-raw.js';
import { machineInfo, textTable, writeReport, type BenchReport, type FigureResult } from './report.js';
import { benchCommand, readSettings, type FigureId } from './settings.js';
import { waitFor } from './stats.js';

const STEP_TIMEOUT_MS = 60_000;

/** Steps run once, last registered first, each bounded in time; a failing step does not stop the rest. */
function createCleanup(log: (line: string) => void) {
  const steps: { name: string; run: () => Promise<unknown> }[] = [];
  let running: Promise<void> | undefined;
  return {
    add(name: string, run: () => Promise<unknown>) {
      steps.push({ name, run });
    },
    run: () =>
      (running ??= (async () => {
        for (const step of steps.reverse()) {
          let timer: NodeJS.Timeout | undefined;
          try {
            await Promise.race([
              step.run(),
              new Promise((_, reject) => {
                timer = setTimeout(() => reject(new Error(`did not finish within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
              }),
            ]);
          } catch (error) {
            log(`cleanup: ${step.name} failed: ${error instanceof Error ? error.message : String(error)}`);
          } finally {
            clearTimeout(timer);
          }
        }
      })()),
  };
}

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  const command = benchCommand(process.env);
  const machine = machineInfo();
  const date = new Date().toISOString();
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const log = (line: string) => console.error(`[bench ${seconds().toFixed(1).padStart(5)} s] ${line}`);
  const { root } = projectPaths();
  const runId = randomBytes(3).toString('hex');
  let counter = 0;
  const name = (purpose: string) => `bench-${runId}-${purpose}-${counter++}`;

  const cleanup = createCleanup(log);
  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      log(`${signal}: stopping everything the bench started…`);
      void cleanup.run().finally(() => process.exit(130));
    });
  }

  const figures: FigureResult[] = [];
  try {
    log(`${command}  (scale ${settings.scale}, ${settings.partitions} partitions, ${settings.databaseUrl ? 'PostgreSQL' : 'PGlite'})`);
    let brokers = settings.brokers;
    let brokerPid: number | undefined;
    if (!brokers) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kafka-notify-bench-broker-'));
      cleanup.add('broker data', () => rm(dataDir, { recursive: true, force: true }));
      const broker = await startLocalBroker({ dataDir, cacheDir: projectPaths().cacheDir, log: (line) => log(`kafka: ${line}`) });
      cleanup.add('Kafka broker', async () => {
        await broker.stop();
        log(`Kafka broker (pid ${broker.pid}) stopped`);
      });
      brokers = broker.brokers;
      brokerPid = broker.pid;
    }
    const kafka = rawKafka(brokers);
    const admin = kafka.admin();
    await admin.connect();
    cleanup.add('Kafka admin', () => admin.disconnect());
    if (settings.brokers) {
      // A cluster the bench did not start keeps nothing of the run (a local broker is removed whole).
      cleanup.add('bench topics', async () => {
        const ours = (await admin.listTopics()).filter((topic) => topic.startsWith(`bench-${runId}-`));
        if (ours.length > 0) await admin.deleteTopics({ topics: ours });
      });
    }

    const users = benchUsers(recipientsAcrossPartitions('bench-produce', settings.partitions, 2));
    const seeded = [
      ...users.produce,
      users.latency,
      users.fanout,
      users.fanoutSingle,
      users.fanoutChanges,
      users.fanoutChangesHeavy,
      users.query,
      users.queryHeavy,
    ].map((id) => ({ id, name: id }));

    const spawn = async (): Promise<HostProcess> => {
      const host = await spawnHost(root);
      cleanup.add(`server process ${host.pid}`, async () => {
        await host.close();
        log(`server process (pid ${host.pid}) ended`);
      });
      return host;
    };

    const startSystem: BenchContext['startSystem'] = async (host, topic, { waitUntilReady = true } = {}) => {
      const groupId = name('group');
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kafka-notify-bench-'));
      const pgSchema = settings.databaseUrl ? name('schema').replace(/-/g, '_') : undefined;
      const databaseUrl = settings.databaseUrl;
      cleanup.add(`system on ${topic}`, async () => {
        await host.close();
        await rm(dataDir, { recursive: true, force: true });
        if (databaseUrl && pgSchema) {
          const client = new pg.Client({ connectionString: databaseUrl });
          await client.connect();
          try {
            await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
          } finally {
            await client.end();
          }
        }
      });
      const env: Record<string, string> = {
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: settings.logLevel,
        LOG_FORMAT: 'json',
        DATA_DIR: dataDir,
        KAFKA_TOPIC: topic,
        KAFKA_DLQ_TOPIC: `${topic}.dlq`,
        KAFKA_GROUP_ID: groupId,
        KAFKA_PARTITIONS: String(settings.partitions),
        KAFKA_CLIENT_ID: 'kafka-notify-bench',
        RETENTION_DAYS: '0',
        AUTH_JWT_SECRET: BENCH_JWT_SECRET,
        // The bench measures throughput; the per-sender limit is for clients, not for this back end.
        SEND_RATE_SERVICE: '0',
        // One bench token holds every connection, and fan-out puts hundreds of subscriptions on each.
        LIMIT_CONNECTIONS_PER_USER: '100000',
        LIMIT_SUBSCRIPTIONS_PER_CONNECTION: '100000',
        ...(databaseUrl && { DATABASE_URL: databaseUrl }),
      };
      const result = await host.startSystem({ env, brokers: brokers!, users: [...DEMO_USERS, ...seeded], ...(pgSchema && { pgSchema }) });
      log(`system on ${topic}: startSystem took ${Math.round(result.startReturnedAt - result.startCalledAt)} ms`);
      if (waitUntilReady) await waitFor(`the system on ${topic} to be ready`, async () => (await httpStatus(result.url, '/ready')) === 200);
      return { url: result.url, topic, groupId, startCalledAt: result.startCalledAt, startReturnedAt: result.startReturnedAt };
    };

    const host = await spawn();
    const onSystemA: FigureId[] = ['produce', 'latency', 'query', 'fanout'];
    const needsA = onSystemA.some((id) => settings.figures.has(id));
    const system = needsA ? await startSystem(host, name('notifications')) : { url: '', topic: '', groupId: '' };
    if (needsA) log(`system A ready at ${system.url}`);
    const ctx: BenchContext = {
      settings,
      brokers,
      kafka,
      admin,
      host,
      brokerPid,
      system,
      users,
      startSystem,
      spawnHost: spawn,
      name,
      log,
    };

    const measure = async (id: FigureId, run: () => Promise<FigureResult>) => {
      if (!settings.figures.has(id) || interrupted) return;
      const figureStarted = performance.now();
      log(`figure ${id}…`);
      try {
        const result = await run();
        result.seconds = (performance.now() - figureStarted) / 1000;
        figures.push(result);
      } catch (error) {
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        log(`figure ${id} failed: ${message}`);
        figures.push({ id, title: id, ratioNote: '', measurements: [], notes: [], seconds: (performance.now() - figureStarted) / 1000, error: message });
      }
    };
    await measure('produce', () => produceFigure(ctx));
    await measure('latency', () => latencyFigure(ctx));
    await measure('query', () => queryFigure(ctx));
    await measure('fanout', () => fanoutFigure(ctx));
    if (needsA && settings.figures.has('ingest')) await host.stop();
    await measure('ingest', () => ingestFigure(ctx, host));
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    figures.push({ id: 'setup', title: 'setup', ratioNote: '', measurements: [], notes: [], seconds: 0, error: String(error) });
  } finally {
    log('stopping…');
    await cleanup.run();
  }
  if (interrupted) return 130;

  machine.loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
  const report: BenchReport = {
    date,
    command,
    machine,
    parts: {
      kafka: settings.brokers ? `KAFKA_BROKERS=${settings.brokers.join(',')}` : `${KAFKA_VERSION}, local broker from jars`,
      store: settings.databaseUrl ? 'PostgreSQL' : 'PGlite',
      partitions: settings.partitions,
      scale: settings.scale,
      serverNodeEnv: SERVER_NODE_ENV,
    },
    settings: { ...settings, figures: [...settings.figures], databaseUrl: settings.databaseUrl ? '<set>' : undefined },
    figures,
    totalSeconds: seconds(),
  };
  console.log(textTable(report));
  const written = await writeReport(path.join(root, 'bench', 'results'), report);
  console.log(`\n${written.map((file) => path.relative(root, file)).join(', ')} written (${report.totalSeconds.toFixed(0)} s)`);
  return figures.some((figure) => figure.error) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('bench failed:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
