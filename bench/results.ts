/**
 * The figures of performance issues 9 and 19 as one table: each with its value, the baseline measured in
 * the same run, their ratio, the target and whether it was met. The numbers come from the
 * `keys` the figures return; a key that no figure produced (skipped or failed) is null, and its
 * target is neither met nor missed.
 */
import type { FigureResult } from './figure.js';

/** The keys latest.json always holds (null when not measured in this run). */
export const SUMMARY_KEYS = [
  'sendPerSec',
  'typenamePerSec',
  'batchPerSecPg',
  'batchPerSecPglite',
  'rawProducePerSec',
  'restSendPerSec',
  'bareHttpPerSec',
  'restGraphqlSendPerSec',
  'restBatchPerSec',
  'restRawProducePerSec',
  'pagePerSecPg',
  'pagePerSecPglite',
  'pageLargePerSecPg',
  'pageLargePerSecPglite',
  'bareYogaPerSec',
  'ingestPerSecPg',
  'rawInsertPerSecPg',
  'ingestPerSecPglite',
  'rawInsertPerSecPglite',
  'statsPerSec',
  'rawDecodePerSec',
  'e2eP50Ms',
  'rawE2eP50Ms',
  'steadyRate',
  'steadyP99Ms',
  'steadyLost',
  'idleRssMbPg',
  'idleRssMbPglite',
  'connections',
  'bytesPerConnection',
  'fanoutAllMs',
  'broadcast10kMs',
] as const;

export type Summary = Record<string, number | null>;

interface Target {
  figure: string;
  value: string;
  unit: string;
  baseline?: string;
  /** On the ratio value ÷ baseline when there is a baseline and `on` is 'ratio'; else on the value. */
  on: 'ratio' | 'value';
  at: 'least' | 'most';
  limit: number;
  target: string;
  /** The size the target is set at, and the key holding the size measured (a quick run is smaller). */
  size?: { key: string; required: number };
}

const KB = 1024;
const CONNECTIONS = 10_000;

const TARGETS: Target[] = [
  { figure: '`sendNotification`, 50 clients in flight ÷ `{ __typename }`', value: 'sendPerSec', unit: '/s', baseline: 'typenamePerSec', on: 'ratio', at: 'least', limit: 0.85, target: '≥ 0.85×' },
  ...(['Pg', 'Pglite'] as const).flatMap((store): Target[] => {
    const name = store === 'Pg' ? 'PostgreSQL' : 'PGlite';
    return [
      { figure: `\`sendNotifications\`, batches of 100 (${name}) ÷ raw kafkajs`, value: `batchPerSec${store}`, unit: 'msgs/s', baseline: 'rawProducePerSec', on: 'ratio', at: 'least', limit: 0.85, target: '≥ 0.85×' },
      { figure: `inbox page, 200 rows (${name}) ÷ bare Yoga`, value: `pagePerSec${store}`, unit: 'req/s', baseline: 'bareYogaPerSec', on: 'ratio', at: 'least', limit: 0.7, target: '≥ 0.7×' },
      { figure: `inbox page, 5,000 rows (${name}) ÷ bare Yoga`, value: `pageLargePerSec${store}`, unit: 'req/s', baseline: 'bareYogaPerSec', on: 'ratio', at: 'least', limit: 0.7, target: '≥ 0.7×' },
      { figure: `inbox page, 5,000 rows ÷ 200 rows (${name})`, value: `pageLargePerSec${store}`, unit: 'req/s', baseline: `pagePerSec${store}`, on: 'ratio', at: 'least', limit: 0.9, target: 'within 10 % (≥ 0.9×)' },
      { figure: `ingest of a backlog (${name}) ÷ raw consumer + bare INSERT`, value: `ingestPerSec${store}`, unit: 'msgs/s', baseline: `rawInsertPerSec${store}`, on: 'ratio', at: 'least', limit: 0.6, target: '≥ 0.6×' },
    ];
  }),
  { figure: 'stats consumer on a backlog ÷ raw consumer decoding it', value: 'statsPerSec', unit: 'msgs/s', baseline: 'rawDecodePerSec', on: 'ratio', at: 'least', limit: 0.5, target: '≥ 0.5×' },
  { figure: 'send → `notificationAdded` p50 at ≤ 50/s ÷ raw kafkajs', value: 'e2eP50Ms', unit: 'ms', baseline: 'rawE2eP50Ms', on: 'ratio', at: 'most', limit: 2, target: '≤ 2×' },
  { figure: 'send → push, open loop at `steadyRate`/s: p99 (baseline: raw kafkajs p99)', value: 'steadyP99Ms', unit: 'ms', baseline: 'rawSteadyP99Ms', on: 'value', at: 'most', limit: 50, target: '≤ 50 ms' },
  { figure: 'send → push, open loop: lost', value: 'steadyLost', unit: '', on: 'value', at: 'most', limit: 0, target: 'none' },
  { figure: 'server RSS, idle after start (PostgreSQL)', value: 'idleRssMbPg', unit: 'MB', on: 'value', at: 'most', limit: 150, target: '≤ 150 MB' },
  { figure: 'server RSS, idle after start (PGlite)', value: 'idleRssMbPglite', unit: 'MB', on: 'value', at: 'most', limit: 300, target: '≤ 300 MB' },
  {
    figure: 'server memory per graphql-ws connection with one subscription',
    value: 'bytesPerConnection',
    unit: 'bytes',
    on: 'value',
    at: 'most',
    // Issue 19 lowered it from issue 9's 20 KB.
    limit: 16 * KB,
    target: `≤ 16 KB at ${CONNECTIONS.toLocaleString('en-US')} connections`,
    size: { key: 'connections', required: CONNECTIONS },
  },
  {
    figure: 'one notification per user to every open subscription',
    value: 'fanoutAllMs',
    unit: 'ms',
    on: 'value',
    at: 'most',
    limit: 500,
    target: `${CONNECTIONS.toLocaleString('en-US')} in ≤ 0.5 s`,
    size: { key: 'connections', required: CONNECTIONS },
  },
  {
    figure: 'one broadcast to a topic every open subscription is subscribed to: stored and pushed to all',
    value: 'broadcast10kMs',
    unit: 'ms',
    on: 'value',
    at: 'most',
    limit: 1500,
    target: `${CONNECTIONS.toLocaleString('en-US')} in ≤ 1.5 s`,
    size: { key: 'connections', required: CONNECTIONS },
  },
  // Issue 19: the HTTP trigger API, each against a baseline of its own figure (bench/figures/rest.ts).
  {
    figure: '`POST /v1/notifications`, one per request, 50 in flight ÷ bare `node:http`',
    value: 'restSendPerSec',
    unit: '/s',
    baseline: 'bareHttpPerSec',
    on: 'ratio',
    at: 'least',
    limit: 0.5,
    target: '≥ 0.5×',
  },
  {
    figure: '`POST /v1/notifications`, one per request ÷ GraphQL `sendNotification` (both 50 in flight, same figure)',
    value: 'restSendPerSec',
    unit: '/s',
    baseline: 'restGraphqlSendPerSec',
    on: 'ratio',
    at: 'least',
    limit: 2,
    target: '≥ 2×',
  },
  {
    figure: '`POST /v1/notifications`, 100 per request ÷ raw kafkajs',
    value: 'restBatchPerSec',
    unit: 'msgs/s',
    baseline: 'restRawProducePerSec',
    on: 'ratio',
    at: 'least',
    limit: 0.85,
    target: '≥ 0.85×',
  },
];

export interface TargetRow {
  figure: string;
  value: number | null;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  target: string;
  /** null: not measured in this run. */
  met: boolean | null;
  /** Set when the run measured at a smaller size than the target's. */
  measuredAt?: number;
}

export function summarize(figures: readonly FigureResult[]): Summary {
  const measured: Record<string, number> = Object.assign({}, ...figures.map((figure) => figure.keys ?? {}));
  const summary: Summary = {};
  for (const key of SUMMARY_KEYS) summary[key] = measured[key] ?? null;
  for (const [key, value] of Object.entries(measured)) summary[key] ??= value;
  return summary;
}

export function targetRows(summary: Summary): TargetRow[] {
  return TARGETS.map((t) => {
    const value = summary[t.value] ?? null;
    const baseline = t.baseline === undefined ? null : (summary[t.baseline] ?? null);
    const ratio = value !== null && baseline !== null && baseline !== 0 ? value / baseline : null;
    const checked = t.on === 'ratio' ? ratio : value;
    const met = checked === null ? null : t.at === 'least' ? checked >= t.limit : checked <= t.limit;
    const size = t.size ? (summary[t.size.key] ?? null) : null;
    const figure = t.figure.replace('`steadyRate`', String(summary.steadyRate ?? '?'));
    return {
      figure,
      value,
      unit: t.unit,
      baseline,
      ratio,
      target: t.target,
      met,
      ...(t.size && size !== null && size < t.size.required && { measuredAt: size }),
    };
  });
}

function formatNumber(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '—';
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return unit ? `${text} ${unit}` : text;
}

/** The table of latest.md: figure, value, baseline, ratio, target, met? */
export function targetTable(rows: readonly TargetRow[]): string {
  const lines = ['| figure | value | baseline | ratio | target | met? |', '| --- | ---: | ---: | ---: | --- | --- |'];
  for (const row of rows) {
    const met = row.met === null ? 'not measured' : row.met ? 'yes' : 'no';
    const size = row.measuredAt === undefined ? '' : ` (measured at ${row.measuredAt.toLocaleString('en-US')})`;
    const ratio = row.ratio === null ? '' : `${row.ratio.toFixed(2)}×`;
    lines.push(`| ${row.figure} | ${formatNumber(row.value, row.unit)} | ${formatNumber(row.baseline, row.unit)} | ${ratio} | ${row.target}${size} | ${met} |`);
  }
  return lines.join('\n');
}
