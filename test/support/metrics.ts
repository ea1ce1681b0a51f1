/** Reads /metrics (Prometheus's text format) into samples a test can compare before and after. */

export type Samples = Map<string, number>;

const keyOf = (name: string, labels: Record<string, string>) => {
  const pairs = Object.entries(labels).sort(([a], [b]) => a.localeCompare(b));
  return pairs.length === 0 ? name : `${name}{${pairs.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
};

/** One sample per line: `name{label="value",…} number`; comments and blank lines are skipped. */
export function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const [, name, body = '', value] = match;
    const labels: Record<string, string> = {};
    for (const pair of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = JSON.parse(`"${pair[2]!}"`) as string;
    samples.set(keyOf(name!, labels), Number(value));
  }
  return samples;
}

/** A sample's value; an absent sample (a labelled series never touched) reads as 0. */
export const sample = (samples: Samples, name: string, labels: Record<string, string> = {}): number => samples.get(keyOf(name, labels)) ?? 0;

/** Every label set a metric has, e.g. the partitions of the lag gauge. */
export const series = (samples: Samples, name: string) => [...samples].filter(([key]) => key.startsWith(`${name}{`));

export async function readMetrics(url: string): Promise<Samples> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status}`);
  return parseMetrics(await response.text());
}

/** Reads until `check` holds: for state the server reaches by itself (a subscription set up, a socket closed). */
export async function metricsUntil(url: string, check: (samples: Samples) => boolean, what: string, timeoutMs = 20_000): Promise<Samples> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await readMetrics(url);
    if (check(samples)) return samples;
    if (Date.now() > deadline) throw new Error(`metrics never showed ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
