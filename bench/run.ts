/**
 * `npm run bench [-- --quick]`: starts its own real parts (a Kafka broker from the jars, or
 * KAFKA_BROKERS; the real system through startSystem, once per store, each in a server process of
 * its own: PostgreSQL in a schema of its own, PGlite in a temp folder), measures the figures, each
 * against a baseline measured in the same run or a target, prints a table, writes
 * bench/results/latest.{json,md,svg}, and stops everything it started, also on failure and on Ctrl-C.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { KAFKA_VERSION, startLocalBroker } from '../src/dev/local-broker/index.js';
import { projectPaths } from '../src/dev/paths.js';
import { DEMO_USERS } from '../src/dev/demo-users.js';
import { BENCH_JWT_SECRET, httpStatus } from './clients.js';
import { benchUsers, seededUsers, type BenchContext, type StoreSystem } from './context.js';
import { connectionsFigure } from './figures/connections.js';
import { fanoutFigure } from './figures/fanout.js';
import { idleRssFigure } from './figures/idle-rss.js';
import { ingestFigure } from './figures/ingest.js';
import { statsConsumerFigure } from './figures/stats-consumer.js';
import { latencyFigure } from './figures/latency.js';
import { produceFigure } from './figures/produce.js';
import { queryFigure } from './figures/query.js';
import { restFigure } from './figures/rest.js';
import { steadyFigure } from './figures/steady.js';
import type { SqlClient } from '../src/store/sql-client.js';
import { hostEntry } from './host-bundle.js';
import { SERVER_NODE_ENV, spawnHost, type HostProcess } from './host-process.js';
import { rawKafka, recipientsAcrossPartitions } from './kafka-raw.js';
import { openRawDatabase } from './raw-insert.js';
import type { FigureResult } from './figure.js';
import { machineInfo, textTable, withCarriedFigures, writeReport, type BenchReport } from './report.js';
import { benchCommand, readSettings, STORE_NAMES, type FigureId } from './settings.js';
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
  const argv = process.argv.slice(2);
  const settings = readSettings(process.env, argv);
  const command = benchCommand(process.env, argv);
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
    log(`${command}  (scale ${settings.scale}, ${settings.partitions} partitions, ${settings.stores.map((store) => STORE_NAMES[store]).join(' and ')})`);
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

    const users = benchUsers(
      recipientsAcrossPartitions('bench-produce', settings.partitions, 2),
      recipientsAcrossPartitions('bench-steady', settings.partitions, 2),
    );
    const seeded = seededUsers(users).map((id) => ({ id, name: id }));

    const dropSchema = async (schema: string) => {
      const client = new pg.Client({ connectionString: settings.databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    };
    const pgSchema = () => {
      const schema = name('schema').replace(/-/g, '_');
      cleanup.add(`schema ${schema}`, () => dropSchema(schema));
      return schema;
    };
    const tempDir = async (purpose: string) => {
      const dir = await mkdtemp(path.join(os.tmpdir(), `kafka-notify-bench-${purpose}-`));
      cleanup.add(`temp folder ${dir}`, () => rm(dir, { recursive: true, force: true }));
      return dir;
    };

    const spawn = async (): Promise<HostProcess> => {
      const host = await spawnHost(root);
      cleanup.add(`server process ${host.pid}`, async () => {
        await host.close();
        log(`server process (pid ${host.pid}) ended`);
      });
      return host;
    };

    const startSystem: BenchContext['startSystem'] = async (host, topic, { store, waitUntilReady = true }) => {
      const groupId = name('group');
      const dataDir = await tempDir('system');
      const schema = store === 'pg' ? pgSchema() : undefined;
      const databaseUrl = store === 'pg' ? settings.databaseUrl : undefined;
      // Registered after the folder and schema, so it runs before their removal.
      cleanup.add(`system on ${topic}`, () => host.close());
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
        // One bench token holds every connection, and fan-out puts hundreds of subscriptions on each;
        // the connections figure opens 10,000 at once.
        LIMIT_CONNECTIONS_PER_USER: '100000',
        LIMIT_SUBSCRIPTIONS_PER_CONNECTION: '100000',
        LIMIT_CONNECTIONS: '100000',
        ...(databaseUrl && { DATABASE_URL: databaseUrl }),
      };
      const result = await host.startSystem({ env, brokers: brokers!, users: [...DEMO_USERS, ...seeded], ...(schema && { pgSchema: schema }) });
      log(`system on ${topic} (${STORE_NAMES[store]}): startSystem took ${Math.round(result.startReturnedAt - result.startCalledAt)} ms`);
      if (waitUntilReady) await waitFor(`the system on ${topic} to be ready`, async () => (await httpStatus(result.url, '/ready')) === 200);
      return { url: result.url, topic, groupId, startCalledAt: result.startCalledAt, startReturnedAt: result.startReturnedAt };
    };

    // One server process and system per store, started side by side: the figures that compare
    // stores interleave them, and the idle one costs the other next to nothing.
    const systems: StoreSystem[] = await Promise.all(
      settings.stores.map(async (store) => {
        const host = await spawn();
        const system = await startSystem(host, name(`notifications-${store}`), { store });
        log(`system on ${STORE_NAMES[store]} ready at ${system.url} (server process ${host.pid})`);
        return { store, host, system };
      }),
    );
    const primary = systems[0]!;
    // The ingest baselines' databases, made while nothing is measured (a fresh PGlite takes seconds).
    const rawDatabases = Promise.all(settings.stores.map((store) => (settings.figures.has('ingest') ? openRawDatabase({ settings, pgSchema, tempDir }, store) : undefined)));
    const closeRawDatabases = async () => {
      for (const sql of await rawDatabases) await sql?.close();
    };
    cleanup.add('ingest baseline databases', closeRawDatabases);
    // A failure is the ingest figure's to report, when it awaits them.
    rawDatabases.catch(() => {});
    const ctx: BenchContext = {
      settings,
      brokers,
      kafka,
      admin,
      host: primary.host,
      system: primary.system,
      systems,
      brokerPid,
      users,
      startSystem,
      pgSchema,
      tempDir,
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
    // Idle memory first, before any figure has grown a heap; ingest last, as it replaces the systems.
    await measure('rss', () => idleRssFigure(ctx));
    await measure('produce', () => produceFigure(ctx));
    await measure('rest', () => restFigure(ctx));
    await measure('latency', () => latencyFigure(ctx));
    await measure('query', () => queryFigure(ctx));
    await measure('fanout', () => fanoutFigure(ctx));
    await measure('steady', () => steadyFigure(ctx));
    await measure('connections', () => connectionsFigure(ctx));
    await measure('stats', () => statsConsumerFigure(ctx));
    await measure('ingest', async () =>
      ingestFigure(
        ctx,
        rawDatabases.then((all) => all.filter((sql): sql is SqlClient => sql !== undefined)),
      ),
    );
  } catch (error) {
    log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    figures.push({ id: 'setup', title: 'setup', ratioNote: '', measurements: [], notes: [], seconds: 0, error: String(error) });
  } finally {
    log('stopping…');
    await cleanup.run();
  }
  if (interrupted) return 130;

  machine.loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
  const measuredReport: BenchReport = {
    date,
    command,
    machine,
    parts: {
      kafka: settings.brokers ? `KAFKA_BROKERS=${settings.brokers.join(',')}` : `${KAFKA_VERSION}, local broker from jars`,
      stores: settings.stores.map((store) => STORE_NAMES[store]).join(', '),
      partitions: settings.partitions,
      scale: settings.scale,
      serverNodeEnv: SERVER_NODE_ENV,
      serverRunner: (await hostEntry(projectPaths().cacheDir).catch(() => ({ runner: 'unknown' }))).runner,
    },
    settings: { ...settings, figures: [...settings.figures], databaseUrl: settings.databaseUrl ? '<set>' : undefined },
    figures,
    totalSeconds: seconds(),
  };
  const resultsDir = path.join(root, 'bench', 'results');
  const report = settings.merge ? await withCarriedFigures(resultsDir, measuredReport, log) : measuredReport;
  console.log(textTable(report));
  const written = await writeReport(resultsDir, report);
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
