import { describe, expect, it } from 'vitest';
import { accuracyBarsSvg } from './accuracy_plots';
import { barChartSvg } from './bar_chart';
import { lineChartSvg } from './line_chart';
import type { ReportRun } from './runs';
import { escapeXml, svgDocument } from './svg';

// Every text node and attribute value is well-formed XML when no raw special character survives
// outside an entity reference.
function rawSpecials(svg: string): string[] {
  const withoutTags = svg.replace(/<\/?[a-zA-Z][^<>]*?\/?>/g, (tag) =>
    // Attribute values: what sits between the quotes must not contain the quote, < or a bare &.
    tag.replace(/="([^"]*)"/g, (_, v: string) => (/[<>]|&(?!(amp|lt|gt|quot|apos);)/.test(v) ? '=BAD' : '=""')),
  );
  const problems: string[] = [];
  if (withoutTags.includes('=BAD')) problems.push('attribute');
  if (/[<>]|&(?!(amp|lt|gt|quot|apos);)/.test(withoutTags.replace(/<[^<>]*>/g, ''))) problems.push('text');
  return problems;
}

describe('svg writer', () => {
  it('escapes the five XML special characters', () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    expect(escapeXml('plain 1.5B')).toBe('plain 1.5B');
  });

  it('frames a document with a white background', () => {
    const svg = svgDocument(10, 20, ['<circle r="1"/>'], 12);
    expect(svg).toBe(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20" viewBox="0 0 10 20" font-family="sans-serif" font-size="12">\n' +
        '<rect width="10" height="20" fill="white"/>\n<circle r="1"/>\n</svg>\n',
    );
  });

  it('keeps user text with quotes and brackets well-formed in every chart', () => {
    const nasty = `"<&'>`;
    const bars = barChartSvg([{ title: nasty, bars: [{ label: nasty, value: 1 }] }], {
      title: nasty,
      yLabel: nasty,
      legend: [[nasty, '#000']],
    });
    const lines = lineChartSvg({
      title: nasty,
      xLabel: nasty,
      yLabel: nasty,
      series: [{ name: nasty, points: [[1, 2]], color: '#123' }],
    });
    const run = { name: nasty, scores: { math: 50 }, results: {} } as unknown as ReportRun;
    for (const svg of [bars, lines, accuracyBarsSvg([run])]) {
      expect(rawSpecials(svg)).toEqual([]);
      expect(svg).toContain('&quot;&lt;&amp;&apos;&gt;');
    }
  });
});
