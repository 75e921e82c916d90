import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { averageAccuracy, type EvalResults } from '../run/results';
import { loadRun, tableScores, type ReportRun } from './runs';
import { accuracyBarsSvg, mixWeightSvg } from './accuracy_plots';
import { csvTable, markdownTable } from './table';

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function results(acc: Record<string, number>, metadata: Record<string, string | number> = {}): EvalResults {
  const benchmarks = Object.fromEntries(
    Object.entries(acc).map(([k, v]) => [
      k,
      { accuracy: v, correct: v, total: 100, file: 'f', sha256: 'x', meanTokens: 1, seconds: 1 },
    ]),
  );
  const { average, over } = averageAccuracy(benchmarks);
  return {
    benchmarks,
    average,
    averageOver: over,
    model: 'm',
    generator: {},
    prompt: { preset: 'paper', user: '{problem}' },
    generation: {},
    metadata,
    finished: '',
  };
}

function run(name: string, acc: Record<string, number>, metadata: Record<string, string | number> = {}): ReportRun {
  const r = results(acc, metadata);
  return { name, results: r, scores: tableScores(r) };
}

describe('report', () => {
  const long = run('long', { math: 30, amc23: 10, gsm8k: 60, olympiadbench: 8, aime24: 0 }, { mixWeight: 1 });
  const mix = run('mix|0.2', { math: 35, amc23: 12.5, gsm8k: 60, olympiadbench: 9, aime24: 3.3 }, { mixWeight: 0.2 });
  const short = run('short', { math500: 32, gsm8k: 55 }, { mixWeight: 0 });

  it('lays out Table 3 with the best of each column in bold and ties all bold', () => {
    expect(markdownTable([long, mix, short])).toBe(
      [
        '| Model | MATH | AMC | GSM8K | OlympiadBench | AIME | Average |',
        '|---|---:|---:|---:|---:|---:|---:|',
        '| long | 30.0 | 10.0 | **60.0** | 8.0 | 0.0 | 21.6 |',
        '| mix\\|0.2 | **35.0** | **12.5** | **60.0** | **9.0** | **3.3** | 24.0 |',
        '| short | 32.0 | – | 55.0 | – | – | **43.5** |',
        '',
      ].join('\n'),
    );
  });

  it('writes CSV with full precision and empty missing cells', () => {
    expect(csvTable([mix, short]).split('\n').slice(1, 3)).toEqual([
      'mix|0.2,35,12.5,60,9,3.3,23.96',
      'short,32,,55,,,43.5',
    ]);
  });

  it('draws one bar per run and column, and the mix-weight lines only from weighted runs', () => {
    const bars = accuracyBarsSvg([long, mix]);
    expect(bars.startsWith('<svg')).toBe(true);
    expect(bars.match(/<title>/g)?.length).toBe(12);
    const lines = mixWeightSvg([long, mix, short], 'mixWeight')!;
    // Points sorted by weight: short (0), mix (0.2), long (1); GSM8K has all three.
    expect(lines.match(/<polyline/g)?.length).toBe(6);
    expect(lines).toContain('>0.2</text>');
    expect(mixWeightSvg([run('x', { gsm8k: 1 })], 'mixWeight')).toBeNull();
  });

  it('loads a run folder and names it by metadata.name or the folder', () => {
    mkdirSync(join(dir, 'run-a'));
    writeFileSync(join(dir, 'run-a', 'results.json'), JSON.stringify(results({ gsm8k: 50 })));
    expect(loadRun(join(dir, 'run-a')).name).toBe('run-a');
    writeFileSync(join(dir, 'named.json'), JSON.stringify(results({ gsm8k: 50 }, { name: 'Mix-Long' })));
    expect(loadRun(join(dir, 'named.json')).name).toBe('Mix-Long');
    writeFileSync(join(dir, 'bad.json'), '{"x":1}');
    expect(() => loadRun(join(dir, 'bad.json'))).toThrow(/bad.json: field "benchmarks" missing/);
    expect(() => loadRun(join(dir, 'nope'))).toThrow(/results.json not found/);
  });
});
