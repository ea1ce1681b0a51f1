/**
 * CPU used by the processes of a measurement (server, broker, the bench itself), as a percentage
 * of one core: on two cores this tells which of them was the bottleneck. Read from /proc on
 * Linux; elsewhere only the bench's own share is known.
 */
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process in clock ticks, or undefined when it cannot be read. */
function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Starts measuring; the function returned ends it and answers `<name> CPU %` for each process. */
export function cpuMeter(pids: Record<string, number | undefined>): () => Record<string, number> {
  const started = performance.now();
  const self = process.cpuUsage();
  const before = Object.entries(pids).map(([name, pid]) => ({ name, pid, ticks: pid === undefined ? undefined : cpuTicks(pid) }));
  return () => {
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(self);
    const result: Record<string, number> = { 'bench CPU %': ((used.user + used.system) / 1e6 / seconds) * 100 };
    for (const { name, pid, ticks } of before) {
      const after = pid === undefined ? undefined : cpuTicks(pid);
      if (ticks === undefined || after === undefined) continue;
      result[`${name} CPU %`] = ((after - ticks) / CLOCK_TICKS_PER_SECOND / seconds) * 100;
    }
    return result;
  };
}
