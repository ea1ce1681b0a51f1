// The server.properties of a single-node KRaft broker (broker and controller in one process),
// written afresh on every start because the ports may change between runs.
export function serverProperties(p: { port: number; controllerPort: number; logDirs: string }): string {
  // The controller port may differ from the last run: a static voter set is read from this file
  // on every start, not from the formatted storage, so a restart on new ports keeps the data.
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${p.controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${p.port},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${p.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${p.logDirs}`,
    'num.partitions=3',
    // One broker: every internal topic has a single replica, and a single partition where the
    // count is ours to choose, so the first consumer group starts fast.
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // broker.session.timeout.ms stays at Kafka's 9 s: after an unclean exit (SIGKILL) the next start
    // waits that long for the old registration to expire, but a shorter one would fence the broker
    // whenever a loaded machine delays its heartbeats.
    '',
  ].join('\n');
}
