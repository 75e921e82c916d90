// A bar chart on the SVG writer (svg.ts) for the analysis reports: one or more panels side by side,
// each a set of labelled bars with signed values around a zero line (as the paper's Figures 2, 3, 8).
import { escapeXml, svgDocument } from './svg';

/** One bar. */
export interface Bar {
  /** Category label under the bar, e.g. "0.5B" or a token. */
  label: string;
  /** Bar height in data units; negative values hang below the zero line. */
  value: number;
  /** Fill colour; by default blue above zero and orange below. */
  color?: string;
}

/** One panel (e.g. one model family). */
export interface BarPanel {
  /** Panel title, e.g. "(a) Qwen". */
  title: string;
  bars: Bar[];
}

/** Chart-wide settings. */
export interface BarChartOptions {
  /** Title over all panels. */
  title: string;
  /** Axis label of the values. */
  yLabel: string;
  /** Decimals of the value printed over each bar. */
  decimals?: number;
  /** Width of one panel in pixels (default 360). */
  panelWidth?: number;
  /** Height of the plotting area in pixels (default 220). */
  plotHeight?: number;
  /** Colour key drawn under the title: [label, colour] pairs. */
  legend?: [string, string][];
}

const POSITIVE = '#4C72B0';
const NEGATIVE = '#DD8452';

/** Renders the panels as one standalone SVG document. */
export function barChartSvg(panels: readonly BarPanel[], opts: BarChartOptions): string {
  const panelWidth = opts.panelWidth ?? 360;
  const plotHeight = opts.plotHeight ?? 220;
  const decimals = opts.decimals ?? 1;
  const top = opts.legend?.length ? 72 : 56;
  const left = 56;
  const bottom = 64;
  const width = Math.max(1, panels.length) * panelWidth + 16;
  const height = top + plotHeight + bottom;

  // One y scale for every panel so bars compare across families.
  const values = panels.flatMap((p) => p.bars.map((b) => b.value));
  let hi = Math.max(0, ...values);
  let lo = Math.min(0, ...values);
  if (hi === lo) hi = lo + 1;
  const pad = (hi - lo) * 0.12;
  hi += hi > 0 ? pad : 0;
  lo -= lo < 0 ? pad : 0;
  const y = (v: number) => top + ((hi - v) / (hi - lo)) * plotHeight;

  const out: string[] = [
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(opts.title)}</text>`,
  ];
  (opts.legend ?? []).forEach(([label, color], i) => {
    const lx = 16 + i * 130;
    out.push(`<rect x="${lx}" y="30" width="10" height="10" fill="${escapeXml(color)}"/>`);
    out.push(`<text x="${lx + 14}" y="39" font-size="11">${escapeXml(label)}</text>`);
  });
  panels.forEach((panel, p) => {
    const x0 = p * panelWidth + left;
    const plotWidth = panelWidth - left - 12;
    out.push(
      `<text x="${x0 + plotWidth / 2}" y="${top - 14}" text-anchor="middle" font-size="13">${escapeXml(panel.title)}</text>`,
    );
    out.push(`<line x1="${x0}" y1="${top}" x2="${x0}" y2="${top + plotHeight}" stroke="#333"/>`);
    for (const tick of ticks(lo, hi)) {
      out.push(`<line x1="${x0 - 4}" y1="${y(tick)}" x2="${x0}" y2="${y(tick)}" stroke="#333"/>`);
      out.push(`<text x="${x0 - 6}" y="${y(tick) + 4}" text-anchor="end" font-size="10">${formatTick(tick)}</text>`);
    }
    out.push(
      `<text transform="translate(${x0 - 40},${top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`,
    );
    const slot = plotWidth / Math.max(1, panel.bars.length);
    panel.bars.forEach((bar, i) => {
      const cx = x0 + slot * (i + 0.5);
      const barWidth = Math.min(40, slot * 0.7);
      const yTop = y(Math.max(0, bar.value));
      const h = Math.max(0.5, Math.abs(y(bar.value) - y(0)));
      out.push(
        `<rect x="${cx - barWidth / 2}" y="${yTop}" width="${barWidth}" height="${h}" fill="${escapeXml(bar.color ?? (bar.value >= 0 ? POSITIVE : NEGATIVE))}"/>`,
      );
      const labelY = bar.value >= 0 ? yTop - 4 : yTop + h + 12;
      out.push(
        `<text x="${cx}" y="${labelY}" text-anchor="middle" font-size="10">${bar.value.toFixed(decimals)}</text>`,
      );
      out.push(
        `<text transform="translate(${cx},${top + plotHeight + 14}) rotate(${panel.bars.length > 8 ? 35 : 0})" text-anchor="${panel.bars.length > 8 ? 'start' : 'middle'}" font-size="11">${escapeXml(bar.label)}</text>`,
      );
    });
    out.push(`<line x1="${x0}" y1="${y(0)}" x2="${x0 + plotWidth}" y2="${y(0)}" stroke="#333"/>`);
  });
  return svgDocument(width, height, out, 12);
}

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

function formatTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(3).replace(/\.?0+$/, '');
}
