/** The fault suite's table: one row per scenario, printed per file and, for the full suite, once at the end. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { projectPaths } from '../../../src/dev/paths.js';

export interface ScenarioRow {
  scenario: string;
  sent: number;
  acknowledged: number;
  stored: number;
  lost: number;
  duplicated: number;
  pushMissing: number;
  /** Worst over the scenario's faults: fault end → first acknowledged send; null when none came in the bound. */
  recoverySendMs: number | null;
  /** Worst over the scenario's faults: fault end → first push of a send acknowledged after it. */
  recoveryPushMs: number | null;
  /** Sends refused with a code a client cannot retry. */
  rejected: number;
  passed?: boolean;
}

export const REPORT_FILE = path.join(projectPaths().dataDir, 'faults', 'report.jsonl');

export function recordRow(row: ScenarioRow): void {
  mkdirSync(path.dirname(REPORT_FILE), { recursive: true });
  appendFileSync(REPORT_FILE, `${JSON.stringify(row)}\n`);
}

const seconds = (ms: number | null) => (ms === null ? 'none' : `${(ms / 1000).toFixed(1)} s`);

export function formatTable(rows: ScenarioRow[]): string {
  const header = ['scenario', 'sent', 'acknowledged', 'stored', 'lost', 'duplicated', 'push-missing', 'rejected', 'recovery (send)', 'recovery (push)', 'result'];
  const body = rows.map((row) => [
    row.scenario,
    String(row.sent),
    String(row.acknowledged),
    String(row.stored),
    String(row.lost),
    String(row.duplicated),
    String(row.pushMissing),
    String(row.rejected),
    seconds(row.recoverySendMs),
    seconds(row.recoveryPushMs),
    row.passed === undefined ? '' : row.passed ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
