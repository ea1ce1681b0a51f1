/** The bench's results: a table on the terminal, and bench/results/latest.{json,md,svg}. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { latencyChartSvg } from './chart.js';
import { summarize, targetRows, targetTable } from './results.js';
import type { FigureResult, Measurement } from './figure.js';
import { FIGURES } from './settings.js';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGb: number;
  node: string;
  platform: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
}

export interface BenchReport {
  date: string;
  command: string;
  machine: MachineInfo;
  parts: { kafka: string; stores: string; partitions: number; scale: number; serverNodeEnv: string; serverRunner: string };
  settings: unknown;
  figures: FigureResult[];
  totalSeconds: number;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** A ratio as text: 0.42× (3 significant digits, enough for figures this noisy). */
export function formatRatio(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '';
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function formatExtra(extra: Record<string, number> | undefined): string {
  if (!extra) return '';
  return Object.entries(extra)
    .map(([name, value]) => `${name} ${formatNumber(value)}`)
    .join(', ');
}

interface Row {
  measurement: string;
  value: string;
  ratio: string;
  detail: string;
}

function rowsOf(figure: FigureResult): Row[] {
  const row = (m: Measurement, isBaseline: boolean): Row => ({
    measurement: `${isBaseline ? 'baseline: ' : ''}${m.label}`,
    value: `${formatNumber(m.value)} ${m.unit}`,
    ratio: isBaseline ? '1×' : formatRatio(m.ratio),
    detail: formatExtra(m.extra),
  });
  return [...(figure.baseline ? [row(figure.baseline, true)] : []), ...figure.measurements.map((m) => row(m, false))];
}

export function textTable(report: BenchReport): string {
  const m = report.machine;
  const lines: string[] = [
    `kafka-notify bench, ${report.date}: ${report.command}`,
    `${m.cpus} × ${m.cpuModel}, Node ${m.node}; Kafka ${report.parts.kafka}; ${report.parts.stores}; ${report.parts.partitions} partitions; ` +
      `load average ${m.loadAverageAtStart.join('/')} → ${(m.loadAverageAtEnd ?? []).join('/')}`,
    'Ratios to the baseline measured in the same run are the figures; absolute numbers on a shared machine are noise.',
  ];
  for (const figure of report.figures) {
    lines.push('', `${figure.title}  (ratio ${figure.ratioNote}; ${figure.seconds.toFixed(0)} s)${carried(figure)}`);
    if (figure.error) lines.push(`  FAILED: ${figure.error.split('\n')[0]}`);
    const rows = rowsOf(figure);
    const width = (key: keyof Row) => Math.max(0, ...rows.map((r) => r[key].length));
    const [wm, wv, wr] = [width('measurement'), width('value'), width('ratio')];
    for (const r of rows) {
      lines.push(`  ${r.measurement.padEnd(wm)}  ${r.value.padStart(wv)}  ${r.ratio.padStart(wr)}  ${r.detail}`.trimEnd());
    }
    for (const note of figure.notes) lines.push(`  · ${note}`);
  }
  lines.push('', 'Targets (performance issues 9 and 19):', targetTable(targetRows(summarize(report.figures))));
  return lines.join('\n');
}

export function markdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    '# kafka-notify bench',
    '',
    `- date: ${report.date}`,
    `- command: \`${report.command}\``,
    `- machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.platform}; Node ${m.node}`,
    `- load average (1/5/15 min) at start ${m.loadAverageAtStart.join(' / ')}, at end ${(m.loadAverageAtEnd ?? []).join(' / ')}`,
    `- parts: Kafka ${report.parts.kafka}; stores ${report.parts.stores}; ${report.parts.partitions} partitions; scale ${report.parts.scale}; server processes with NODE_ENV=${report.parts.serverNodeEnv}, running ${report.parts.serverRunner}`,
    `- total ${report.totalSeconds.toFixed(0)} s`,
    ...carriedLines(report),
    '',
    'Absolute numbers on a shared machine are noise; the ratios to the baseline measured in the same run are the figures.',
    '',
    '## Targets',
    '',
    targetTable(targetRows(summarize(report.figures))),
    '',
    'The latency distribution of the open-loop run and of its raw baseline: [latest.svg](latest.svg).',
  ];
  for (const figure of report.figures) {
    lines.push('', `## ${figure.title}`, '', `Ratio: ${figure.ratioNote}.`, '');
    if (figure.carriedFrom) lines.push(`Carried over from the run of ${figure.carriedFrom.date} (\`${figure.carriedFrom.command}\`), not measured in this one.`, '');
    if (figure.error) lines.push(`**Failed:** \`${figure.error.split('\n')[0]}\``, '');
    lines.push('| measurement | value | ratio | detail |', '| --- | ---: | ---: | --- |');
    for (const r of rowsOf(figure)) lines.push(`| ${r.measurement} | ${r.value} | ${r.ratio} | ${r.detail} |`);
    if (figure.notes.length > 0) lines.push('', ...figure.notes.map((note) => `- ${note}`));
  }
  return `${lines.join('\n')}\n`;
}

const carried = (figure: FigureResult): string => (figure.carriedFrom ? `  [carried over from ${figure.carriedFrom.date}]` : '');

function carriedLines(report: BenchReport): string[] {
  const kept = report.figures.filter((figure) => figure.carriedFrom);
  if (kept.length === 0) return [];
  const runs = new Map<string, string[]>();
  for (const figure of kept) runs.set(figure.carriedFrom!.date, [...(runs.get(figure.carriedFrom!.date) ?? []), figure.id]);
  return [
    `- measured in this run: ${report.figures.filter((figure) => !figure.carriedFrom).map((figure) => figure.id).join(', ') || 'nothing'}; ` +
      `carried over from earlier runs (BENCH_MERGE=1, their machine and parts may differ): ` +
      [...runs].map(([date, ids]) => `${ids.join(', ')} from ${date}`).join('; '),
  ];
}

/**
 * BENCH_MERGE=1: this run's figures, plus those of the previous latest.json in `dir` that this run
 * did not measure, each marked with the run it came from, in the bench's order. Without a
 * readable previous report, this run's alone.
 */
export async function withCarriedFigures(dir: string, report: BenchReport, log: (line: string) => void): Promise<BenchReport> {
  let previous: { date?: string; command?: string; figures?: FigureResult[] };
  try {
    previous = JSON.parse(await readFile(path.join(dir, 'latest.json'), 'utf8')) as typeof previous;
  } catch (error) {
    log(`BENCH_MERGE: no previous report to merge (${error instanceof Error ? error.message : String(error)})`);
    return report;
  }
  const measured = new Set(report.figures.map((figure) => figure.id));
  const kept = (previous.figures ?? [])
    .filter((figure) => figure.id !== 'setup' && !measured.has(figure.id) && !figure.error)
    .map((figure) => ({ ...figure, carriedFrom: figure.carriedFrom ?? { date: previous.date ?? 'unknown', command: previous.command ?? 'unknown' } }));
  const order = (figure: FigureResult) => (figure.id === 'setup' ? -1 : FIGURES.indexOf(figure.id));
  return { ...report, figures: [...report.figures, ...kept].sort((a, b) => order(a) - order(b)) };
}

export async function writeReport(dir: string, report: BenchReport): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const summary = summarize(report.figures);
  const json = path.join(dir, 'latest.json');
  const md = path.join(dir, 'latest.md');
  // The summary's numbers first, at the top level, where a script comparing runs looks for them.
  await writeFile(json, `${JSON.stringify({ ...summary, targets: targetRows(summary), ...report }, null, 2)}\n`);
  await writeFile(md, markdown(report));
  const written = [json, md];
  // Only curves measured in this run: a carried-over figure's chart stays the one its run drew.
  const curves = report.figures.flatMap((figure) => (figure.carriedFrom ? [] : (figure.curves ?? [])));
  if (curves.length > 0) {
    const svg = path.join(dir, 'latest.svg');
    await writeFile(svg, latencyChartSvg(`send → push latency at a steady ${summary.steadyRate ?? '?'}/s, open loop (${report.date.slice(0, 16)} UTC)`, curves));
    written.push(svg);
  }
  return written;
}
