/**
 * The live analytics page's script, in the browser (served as JavaScript by analytics-page.ts).
 * It follows the hour's figures over the `statsWindow` subscription (Server-Sent Events through
 * fetch, since an EventSource cannot send the token), and on each push, and at each new minute,
 * reads the per-minute series by kind and the hour's rankings with one query. Chart.js is the
 * page's global `Chart` (its UMD file, served from node_modules).
 */
import type { Chart as ChartJs } from 'chart.js';

declare const Chart: typeof ChartJs;

interface PageConfig {
  graphqlPath: string;
  token: string;
  /** The seeded kinds, charted until the registry (the kinds query) answers with every registered one. */
  kinds: string[];
}

interface Point {
  start: string;
  sent: number;
  read: number;
  readRate: number | null;
  timeToReadMedianMs: number | null;
  timeToReadP90Ms: number | null;
  closed: boolean;
}

interface Entry {
  member: string;
  score: number;
}

const MINUTES = 30;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const RETRY_MS = 2_000;
const COLORS = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#9a6700', '#cf222e'];

const config = JSON.parse(document.getElementById('kn-analytics-config')!.textContent!) as PageConfig;
const element = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const headers = { 'content-type': 'application/json', authorization: `Bearer ${config.token}` };

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(config.graphqlPath, { method: 'POST', headers: { ...headers, accept: 'application/graphql-response+json' }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${response.status}`);
  return body.data;
}

// Kind names (invoice.paid) are not GraphQL names: each series is aliased by its position.
let kinds = config.kinds;
const alias = (index: number) => `k${index}`;
const figuresQuery = () => `query Analytics($from: DateTime!, $to: DateTime!, $at: DateTime!) {
${kinds.map((kind, index) => `  ${alias(index)}: statsSeries(window: MINUTE, from: $from, to: $to, kind: ${JSON.stringify(kind)}) { start sent }`).join('\n')}
  senders: statsRanking(window: HOUR, at: $at, by: SENDER, first: 5) { member score }
  recipients: statsRanking(window: HOUR, at: $at, by: RECIPIENT, first: 5) { member score }
}`;
const WINDOW_SUBSCRIPTION = `subscription Hour($at: DateTime!) {
  statsWindow(window: HOUR, at: $at) { start sent read readRate timeToReadMedianMs timeToReadP90Ms closed }
}`;

const chart = new Chart<'bar', number[], string>(element<HTMLCanvasElement>('sends-chart'), {
  type: 'bar',
  data: {
    labels: [],
    datasets: kinds.map((kind, index) => ({ label: kind, data: [] as number[], backgroundColor: COLORS[index % COLORS.length]! })),
  },
  options: {
    animation: false,
    maintainAspectRatio: false,
    scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
  },
});

const clock = (iso: string) => new Date(iso).toISOString().slice(11, 16);

function showRanking(id: string, entries: Entry[]) {
  const list = element(id);
  list.replaceChildren(
    ...entries.map(({ member, score }) => {
      const item = document.createElement('li');
      item.dataset.member = member;
      item.dataset.score = String(score);
      const name = document.createElement('span');
      name.className = 'member';
      name.textContent = `user ${member}`;
      const count = document.createElement('span');
      count.className = 'score';
      count.textContent = String(score);
      item.append(name, count);
      return item;
    }),
  );
}

/** Every registered kind, read once per page load: one series each (a kind registered later shows after a reload). */
let kindsRead = false;
async function readKinds(): Promise<void> {
  if (kindsRead) return;
  const data = await graphql<{ kinds: { name: string }[] }>('{ kinds { name } }', {});
  kinds = data.kinds.map((kind) => kind.name);
  chart.data.datasets = kinds.map((kind, index) => ({ label: kind, data: [] as number[], backgroundColor: COLORS[index % COLORS.length]! }));
  kindsRead = true;
}

/** Reads the series and the rankings; calls arriving while one runs are folded into one more run. */
let reading: Promise<void> | null = null;
let again = false;
function refresh(): void {
  if (reading) {
    again = true;
    return;
  }
  const now = Date.now();
  const to = Math.floor(now / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const variables = { from: new Date(to - MINUTES * MINUTE_MS).toISOString(), to: new Date(to).toISOString(), at: new Date(now).toISOString() };
  reading = readKinds()
    .then(() => graphql<Record<string, { start: string; sent: number }[]> & { senders: Entry[]; recipients: Entry[] }>(figuresQuery(), variables))
    .then((data) => {
      const series = kinds.map((_kind, index) => data[alias(index)] ?? []);
      chart.data.labels = (series[0] ?? []).map((point) => clock(point.start));
      series.forEach((points, index) => (chart.data.datasets[index]!.data = points.map((point) => point.sent)));
      chart.update('none');
      element('sends').dataset.total = String(series.flat().reduce((total, point) => total + point.sent, 0));
      showRanking('top-senders', data.senders);
      showRanking('top-recipients', data.recipients);
    })
    .catch((error: unknown) => console.warn('analytics: reading the figures failed', error))
    .finally(() => {
      reading = null;
      if (again) {
        again = false;
        refresh();
      }
    });
}

const duration = (ms: number | null) => (ms === null ? '–' : ms < 1000 ? `${Math.round(ms)} ms` : ms < 120_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 60_000).toFixed(1)} min`);

function showHour(point: Point) {
  element('hour').dataset.sent = String(point.sent);
  element('hour-sent').textContent = String(point.sent);
  element('hour-read').textContent = String(point.read);
  element('hour-read-rate').textContent = point.readRate === null ? '–' : `${Math.round(point.readRate * 100)} %`;
  element('hour-ttr-median').textContent = duration(point.timeToReadMedianMs);
  element('hour-ttr-p90').textContent = duration(point.timeToReadP90Ms);
}

function setStatus(status: 'connecting' | 'live' | 'reconnecting') {
  const pill = element('status');
  pill.dataset.status = status;
  pill.textContent = status;
}

/** One subscription, over SSE: resolves when the server completes it, rejects on an error or an abort. */
async function follow(at: Date, signal: AbortSignal, onPoint: (point: Point) => void): Promise<void> {
  const response = await fetch(config.graphqlPath, {
    method: 'POST',
    headers: { ...headers, accept: 'text/event-stream' },
    body: JSON.stringify({ query: WINDOW_SUBSCRIPTION, variables: { at: at.toISOString() } }),
    signal,
  });
  if (!response.ok || !response.body) throw new Error(`subscribing failed: HTTP ${response.status}`);
  setStatus('live');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const lines = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
      if (event === 'complete') return;
      const data = lines.filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('\n');
      if (!data) continue;
      const result = JSON.parse(data) as { data?: { statsWindow: Point }; errors?: { message: string }[] };
      if (result.errors?.length || !result.data) throw new Error(result.errors?.[0]?.message ?? 'no data');
      onPoint(result.data.statsWindow);
    }
  }
}

/** Follows the current hour for ever: at each new hour, and after a failure, subscribes again. */
async function followHours(): Promise<never> {
  for (;;) {
    const now = Date.now();
    const nextHour = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), nextHour - now);
    try {
      await follow(new Date(now), abort.signal, (point) => {
        showHour(point);
        refresh();
      });
    } catch (error) {
      if (!abort.signal.aborted) {
        console.warn('analytics: the live figures stopped', error);
        setStatus('reconnecting');
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    } finally {
      clearTimeout(timer);
      abort.abort();
    }
  }
}

// The chart moves on each minute even when nothing changes.
const tick = () => {
  refresh();
  setTimeout(tick, MINUTE_MS - (Date.now() % MINUTE_MS) + 50);
};
tick();
void followHours();

export {};
