/** What one figure of the bench measured: shared by the figures, the summary and the report, which import it from here alone. */
import type { FigureId } from './settings.js';

export interface Measurement {
  label: string;
  value: number;
  unit: string;
  /** value ÷ the figure's baseline value (absent on the baseline itself). */
  ratio?: number;
  /** Secondary numbers (p95, p99, counts, …), shown after the value. */
  extra?: Record<string, number>;
}

export interface FigureResult {
  id: FigureId | 'setup';
  title: string;
  /** How to read the ratio, e.g. "÷ raw kafkajs; higher is better". */
  ratioNote: string;
  baseline?: Measurement;
  measurements: Measurement[];
  notes: string[];
  seconds: number;
  error?: string;
  /** The figure's numbers under the names bench/results.ts gives them (`sendPerSec`, …). */
  keys?: Record<string, number>;
  /** Set on a figure a partial run with BENCH_MERGE=1 kept from the previous latest.json: the run that measured it. */
  carriedFrom?: { date: string; command: string };
  /** Latency distributions to chart: [percentile, ms] points per series. */
  curves?: { label: string; points: [number, number][] }[];
}
