// Kafka's jars, fetched once from Maven Central with the pom beside this file and cached, so the
// broker runs from Kafka's own release without a Kafka install or a Docker engine.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { processOutput, tail } from './output.js';
import { requireJava, requireMaven } from './tools.js';

/** Names the cache folder; keep it in step with the pom's kafka_2.13 version. */
export const KAFKA_VERSION = '4.1.1';

const POM_FILE = fileURLToPath(new URL('./pom.xml', import.meta.url));

const run = promisify(execFile);

/** The folder of jars to put on the classpath, fetched first when the cache lacks them. */
export async function ensureKafkaJars(options: { cacheDir: string; log: (line: string) => void }): Promise<string> {
  const versionDir = path.resolve(options.cacheDir, `kafka-${KAFKA_VERSION}`);
  const libDir = path.join(versionDir, 'lib');
  const marker = path.join(versionDir, 'complete');
  // The marker holds the pom's hash, so changing the pom (say, the SLF4J binding) refetches.
  const pomHash = createHash('sha256')
    .update(await readFile(POM_FILE))
    .digest('hex');
  const recorded = await readFile(marker, 'utf8').catch(() => '');
  if (recorded.trim() === pomHash) return libDir;

  // Java first: without it the jars are of no use, and its absence is the likelier one to report.
  await requireJava();
  const mvn = await requireMaven();

  options.log(`fetching Kafka ${KAFKA_VERSION} jars…`);
  const started = performance.now();
  await rm(marker, { force: true });
  // Fetched beside the final folder and renamed once complete, so an interrupted fetch never
  // leaves a half-filled lib/ that looks usable.
  const partialDir = path.join(versionDir, 'lib.partial');
  await rm(partialDir, { recursive: true, force: true });
  await mkdir(versionDir, { recursive: true });
  try {
    await run(
      mvn,
      [
        '-q',
        '-B',
        '-f',
        POM_FILE,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${partialDir}`,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    throw new Error(`Maven could not fetch Kafka ${KAFKA_VERSION}:\n${tail(processOutput(error))}`, {
      cause: error,
    });
  }
  await rm(libDir, { recursive: true, force: true });
  await rename(partialDir, libDir);
  await writeFile(marker, `${pomHash}\n`);
  options.log(
    `Kafka ${KAFKA_VERSION} jars fetched in ${Math.round(performance.now() - started)} ms into ${libDir}`,
  );
  return libDir;
}
