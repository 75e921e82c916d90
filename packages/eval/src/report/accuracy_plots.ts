// Report plots drawn with the SVG writer (svg.ts): accuracy per benchmark per run as grouped bars,
// and accuracy against the mix weight as lines (the paper's Figure 6).
import { TABLE_COLUMNS, type ReportRun, type TableColumn } from './runs';
import { escapeXml, svgDocument } from './svg';

const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
const WIDTH = 760;
const HEIGHT = 380;
const MARGIN = { top: 30, right: 170, bottom: 50, left: 50 };

/** Plot frame: y axis 0..yMax percent with gridlines every 10 (or 20), a title and a legend. */
function frame(title: string, yMax: number, legend: string[], body: string[], xLabel: string): string {
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const y = (v: number) => MARGIN.top + plotH - (v / yMax) * plotH;
  const step = yMax > 50 ? 20 : 10;
  const grid: string[] = [];
  for (let v = 0; v <= yMax + 1e-9; v += step) {
    grid.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    grid.push(`<text x="${MARGIN.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v}</text>`);
  }
  const legendItems = legend.map(
    (name, i) =>
      `<rect x="${WIDTH - MARGIN.right + 15}" y="${MARGIN.top + i * 18}" width="12" height="12" fill="${PALETTE[i % PALETTE.length]}"/>` +
      `<text x="${WIDTH - MARGIN.right + 32}" y="${MARGIN.top + i * 18 + 10}" font-size="11">${escapeXml(name)}</text>`,
  );
  return svgDocument(WIDTH, HEIGHT, [
    `<text x="${MARGIN.left}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...grid,
    `<text transform="translate(14 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12">accuracy (%)</text>`,
    `<text x="${MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle" font-size="12">${escapeXml(xLabel)}</text>`,
    ...body,
    ...legendItems,
  ]);
}

function niceMax(values: number[]): number {
  const top = Math.max(10, ...values);
  return Math.min(100, Math.ceil(top / 10) * 10);
}

/** Grouped bars: one group per Table 3 column, one bar per run. */
export function accuracyBarsSvg(runs: ReportRun[]): string {
  const columns = TABLE_COLUMNS.filter((c) => runs.some((r) => r.scores[c] !== undefined));
  const yMax = niceMax(runs.flatMap((r) => columns.map((c) => r.scores[c] ?? 0)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const groupW = plotW / Math.max(columns.length, 1);
  const barW = (groupW * 0.8) / Math.max(runs.length, 1);
  const body: string[] = [];
  columns.forEach((c, ci) => {
    const gx = MARGIN.left + ci * groupW + groupW * 0.1;
    runs.forEach((r, ri) => {
      const v = r.scores[c];
      if (v === undefined) return;
      const h = (v / yMax) * plotH;
      body.push(
        `<rect x="${(gx + ri * barW).toFixed(1)}" y="${(MARGIN.top + plotH - h).toFixed(1)}" width="${(barW * 0.9).toFixed(1)}" height="${h.toFixed(1)}" fill="${PALETTE[ri % PALETTE.length]}"><title>${escapeXml(`${r.name} ${c}: ${v.toFixed(1)}`)}</title></rect>`,
      );
    });
    body.push(
      `<text x="${(MARGIN.left + (ci + 0.5) * groupW).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="11">${escapeXml(c)}</text>`,
    );
  });
  return frame(
    'Accuracy per benchmark',
    yMax,
    runs.map((r) => r.name),
    body,
    'benchmark',
  );
}

/** The runs that carry a numeric mix weight under `key` in their metadata, with that weight. */
export function weightedRuns(runs: ReportRun[], key: string): { weight: number; run: ReportRun }[] {
  return runs
    .map((run) => ({ weight: Number(run.results.metadata?.[key]), run }))
    .filter((w) => runHasKey(w.run, key) && Number.isFinite(w.weight))
    .sort((a, b) => a.weight - b.weight);
}

function runHasKey(run: ReportRun, key: string): boolean {
  return run.results.metadata !== undefined && run.results.metadata[key] !== undefined;
}

/** Lines of accuracy against the mix weight, one per Table 3 column (the paper's Figure 6); null without weighted runs. */
export function mixWeightSvg(runs: ReportRun[], key: string): string | null {
  const points = weightedRuns(runs, key);
  if (points.length === 0) return null;
  const columns = TABLE_COLUMNS.filter((c) => points.some((p) => p.run.scores[c] !== undefined));
  const yMax = niceMax(points.flatMap((p) => columns.map((c) => p.run.scores[c] ?? 0)));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const w0 = Math.min(...points.map((p) => p.weight));
  const w1 = Math.max(...points.map((p) => p.weight));
  const x = (w: number) => MARGIN.left + (w1 === w0 ? plotW / 2 : ((w - w0) / (w1 - w0)) * plotW);
  const y = (v: number) => MARGIN.top + plotH - (v / yMax) * plotH;
  const body: string[] = [];
  for (const w of [...new Set(points.map((p) => p.weight))]) {
    body.push(
      `<text x="${x(w).toFixed(1)}" y="${MARGIN.top + plotH + 16}" text-anchor="middle" font-size="11">${w}</text>`,
    );
  }
  columns.forEach((c: TableColumn, ci) => {
    const pts = points
      .filter((p) => p.run.scores[c] !== undefined)
      .map((p) => [x(p.weight), y(p.run.scores[c]!)] as const);
    const color = PALETTE[ci % PALETTE.length];
    body.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`,
    );
    for (const [px, py] of pts)
      body.push(`<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3.5" fill="${color}"/>`);
  });
  return frame(`Accuracy vs ${key}`, yMax, [...columns], body, key);
}
