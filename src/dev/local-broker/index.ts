// The local broker launcher's public face: what main.ts loads (only when KAFKA_BROKERS is unset),
// and what the CLI, the tests and the bench use. The production build leaves this folder out.
export { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from './broker.js';
export { ensureKafkaJars, KAFKA_VERSION } from './jars.js';
export { freePorts } from './ports.js';
export { KafkaToolsMissingError } from './tools.js';
