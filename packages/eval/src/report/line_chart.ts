// A line chart on the SVG writer (svg.ts): axes with ticks, one polyline per series, optional error
// bars and a legend (the demo's Δ-against-size and loss plots).
import { escapeXml, svgDocument } from './svg';

/** One line of a chart. */
export interface Series {
  name: string;
  /** [x, y] points, drawn in order */
  points: [number, number][];
  /** CSS colour */
  color: string;
  /** SVG stroke-dasharray (e.g. '4 3'), solid when absent */
  dash?: string;
  /** half-width of an error bar at each point (same order as points) */
  errors?: number[];
  /** an asymmetric error bar [low, high] at each point, in y units (e.g. a Wilson interval); wins over `errors` */
  intervals?: [number, number][];
  /** draw a marker at each point */
  markers?: boolean;
}

/** What to draw. */
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** logarithmic x axis (student sizes span an order of magnitude) */
  logX?: boolean;
  /** logarithmic y axis (losses fall by orders of magnitude) */
  logY?: boolean;
  /** horizontal reference line (e.g. Δ = 0) */
  yRule?: number;
  width?: number;
  height?: number;
}

/** Round tick positions covering [lo, hi] (about five). */
function linearTicks(lo: number, hi: number): number[] {
  const span = hi - lo || 1;
  const raw = span / 5;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Powers of ten (and 2×, 5×) covering [lo, hi] for a log axis. */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const t = m * 10 ** e;
      if (t >= lo * 0.999 && t <= hi * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

function formatTick(t: number): string {
  if (Math.abs(t) >= 1e6) return `${t / 1e6}M`;
  if (Math.abs(t) >= 1e3) return `${t / 1e3}k`;
  return String(Number(t.toPrecision(3)));
}

/** Renders the chart as a standalone SVG document. */
export function lineChartSvg(spec: ChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 400;
  const margin = { left: 64, right: 190, top: 36, bottom: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;

  const xs = spec.series.flatMap((s) => s.points.map((p) => p[0]));
  const bar = (s: Series, i: number): [number, number] | undefined => {
    const e = s.errors?.[i];
    return s.intervals?.[i] ?? (e === undefined ? undefined : [s.points[i][1] - e, s.points[i][1] + e]);
  };
  const ys = spec.series.flatMap((s) => s.points.flatMap((p, i) => bar(s, i) ?? [p[1]]));
  if (spec.yRule !== undefined) ys.push(spec.yRule);
  const positive = (v: number[]) => v.filter((x) => x > 0);
  let [xLo, xHi] = spec.logX
    ? [Math.min(...positive(xs)), Math.max(...positive(xs))]
    : [Math.min(...xs), Math.max(...xs)];
  let [yLo, yHi] = spec.logY
    ? [Math.min(...positive(ys)), Math.max(...positive(ys))]
    : [Math.min(...ys), Math.max(...ys)];
  if (!(xHi > xLo)) [xLo, xHi] = spec.logX ? [xLo / 2, xLo * 2] : [xLo - 1, xLo + 1];
  if (!(yHi > yLo)) [yLo, yHi] = spec.logY ? [yLo / 2, yLo * 2] : [yLo - 1, yLo + 1];
  if (spec.logX) [xLo, xHi] = [xLo / 1.5, xHi * 1.5];
  if (!spec.logY) {
    const pad = (yHi - yLo) * 0.08;
    [yLo, yHi] = [yLo - pad, yHi + pad];
  }
  const tx = (x: number) =>
    margin.left + (spec.logX ? (Math.log(x / xLo) / Math.log(xHi / xLo)) * plotW : ((x - xLo) / (xHi - xLo)) * plotW);
  const ty = (y: number) =>
    margin.top +
    plotH -
    (spec.logY ? (Math.log(Math.max(y, yLo) / yLo) / Math.log(yHi / yLo)) * plotH : ((y - yLo) / (yHi - yLo)) * plotH);

  const parts: string[] = [];
  parts.push(`<text x="${margin.left}" y="22" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>`);
  const xTicks = spec.logX ? logTicks(xLo, xHi) : linearTicks(xLo, xHi);
  const yTicks = spec.logY ? logTicks(yLo, yHi) : linearTicks(yLo, yHi);
  for (const t of xTicks) {
    const x = tx(t).toFixed(1);
    parts.push(`<line x1="${x}" y1="${margin.top}" x2="${x}" y2="${margin.top + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${x}" y="${margin.top + plotH + 16}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  for (const t of yTicks) {
    const y = ty(t).toFixed(1);
    parts.push(`<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#eee"/>`);
    parts.push(
      `<text x="${margin.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${formatTick(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
  );
  if (spec.yRule !== undefined) {
    const y = ty(spec.yRule).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" y1="${y}" x2="${margin.left + plotW}" y2="${y}" stroke="#888" stroke-dasharray="2 2"/>`,
    );
  }
  parts.push(
    `<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
  );
  parts.push(
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, k) => {
    const dash = s.dash ? ` stroke-dasharray="${escapeXml(s.dash)}"` : '';
    const pts = s.points.map(([x, y]) => `${tx(x).toFixed(1)},${ty(y).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${escapeXml(s.color)}" stroke-width="1.5"${dash}/>`);
    s.points.forEach(([x, y], i) => {
      const range = bar(s, i);
      if (range !== undefined) {
        const cx = tx(x).toFixed(1);
        parts.push(
          `<line x1="${cx}" y1="${ty(range[0]).toFixed(1)}" x2="${cx}" y2="${ty(range[1]).toFixed(1)}" stroke="${escapeXml(s.color)}"/>`,
        );
      }
      if (s.markers)
        parts.push(`<circle cx="${tx(x).toFixed(1)}" cy="${ty(y).toFixed(1)}" r="3.5" fill="${escapeXml(s.color)}"/>`);
    });
    const ly = margin.top + 8 + k * 18;
    const lx = margin.left + plotW + 12;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${escapeXml(s.color)}" stroke-width="2"${dash}/>`,
    );
    parts.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${escapeXml(s.name)}</text>`);
  });
  return svgDocument(width, height, parts, 12);
}
