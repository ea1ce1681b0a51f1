// Where a broker keeps its things inside its data directory, named once for every part that reads
// or writes them (properties, storage, the pid record, the log).
import path from 'node:path';

export interface BrokerFiles {
  dataDir: string;
  properties: string;
  logDirs: string;
  log: string;
  pid: string;
}

export function brokerFiles(dataDir: string): BrokerFiles {
  const dir = path.resolve(dataDir);
  return {
    dataDir: dir,
    properties: path.join(dir, 'server.properties'),
    logDirs: path.join(dir, 'kraft'),
    log: path.join(dir, 'broker.log'),
    pid: path.join(dir, 'broker.pid'),
  };
}
