// The paper's Table 3 layout: one row per run, columns MATH, AMC, GSM8K, OlympiadBench, AIME and
// Average, the best value of each column in bold.
import { TABLE_COLUMNS, type ReportRun, type TableColumn } from './runs';

function bestPerColumn(runs: ReportRun[]): Partial<Record<TableColumn, number>> {
  const best: Partial<Record<TableColumn, number>> = {};
  for (const c of TABLE_COLUMNS) {
    const values = runs.map((r) => r.scores[c]).filter((v): v is number => v !== undefined);
    if (values.length > 0) best[c] = Math.max(...values);
  }
  return best;
}

/** Markdown table; values with one decimal as in the paper, ties for best all bold, `–` where not evaluated. */
export function markdownTable(runs: ReportRun[]): string {
  const best = bestPerColumn(runs);
  const cell = (r: ReportRun, c: TableColumn) => {
    const v = r.scores[c];
    if (v === undefined) return '–';
    const text = v.toFixed(1);
    return runs.length > 1 && best[c] !== undefined && v.toFixed(1) === best[c]!.toFixed(1) ? `**${text}**` : text;
  };
  const escapeCell = (s: string) => s.replace(/\|/g, '\\|');
  return `${[
    `| Model | ${TABLE_COLUMNS.join(' | ')} |`,
    `|---|${TABLE_COLUMNS.map(() => '---:').join('|')}|`,
    ...runs.map((r) => `| ${escapeCell(r.name)} | ${TABLE_COLUMNS.map((c) => cell(r, c)).join(' | ')} |`),
  ].join('\n')}\n`;
}

/** CSV with full precision (empty where not evaluated). */
export function csvTable(runs: ReportRun[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `${[
    ['model', ...TABLE_COLUMNS].join(','),
    ...runs.map((r) =>
      [quote(r.name), ...TABLE_COLUMNS.map((c) => (r.scores[c] === undefined ? '' : String(r.scores[c])))].join(','),
    ),
  ].join('\n')}\n`;
}
