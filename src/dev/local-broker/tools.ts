// Java and Maven, which the broker needs and the project cannot install: found once each, and when
// missing, an error that names the ways to run Kafka without them.
import path from 'node:path';
import which from 'which';

/** Java or Maven is missing; the message names the ways to run without them. */
export class KafkaToolsMissingError extends Error {
  override name = 'KafkaToolsMissingError';
}

// slf4j-simple writes to stderr; at warn the broker and its tools say little unless something is wrong.
export const JVM_LOGGING = [
  '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
  '-Dorg.slf4j.simpleLogger.showDateTime=true',
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
];

/** JAVA_HOME's java when it has one (it names the Java the user chose), else the first on PATH. */
export async function requireJava(): Promise<string> {
  const home = process.env.JAVA_HOME;
  const java =
    (home ? await which('java', { path: path.join(home, 'bin'), nothrow: true }) : null) ??
    (await which('java', { nothrow: true }));
  if (java === null) throw toolMissing('java', 'Java 17 or newer');
  return java;
}

export async function requireMaven(): Promise<string> {
  const mvn = await which('mvn', { nothrow: true });
  if (mvn === null) throw toolMissing('mvn', 'Apache Maven, to fetch Kafka from Maven Central');
  return mvn;
}

function toolMissing(tool: string, what: string): KafkaToolsMissingError {
  return new KafkaToolsMissingError(
    `Cannot run a local Kafka broker: \`${tool}\` (${what}) is not on PATH. ` +
      'Install Java 17+ and Maven, or set KAFKA_BROKERS=host:port to use an existing Kafka cluster, ' +
      'or start one with `docker compose up`.',
  );
}
