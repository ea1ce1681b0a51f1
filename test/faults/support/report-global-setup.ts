// The full fault suite's table: rows are appended by each scenario, printed once at the end.
import { readFileSync, rmSync } from 'node:fs';
import { formatTable, REPORT_FILE, type ScenarioRow } from './report.js';

export default function setup(): () => void {
  rmSync(REPORT_FILE, { force: true });
  return () => {
    let rows: ScenarioRow[] = [];
    try {
      rows = readFileSync(REPORT_FILE, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ScenarioRow);
    } catch {
      // No scenario got as far as a row.
    }
    console.log(`\nFault suite:\n${rows.length ? formatTable(rows) : '(no scenario finished)'}\n`);
  };
}
