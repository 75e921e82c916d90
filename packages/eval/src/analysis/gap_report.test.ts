import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGapReport } from './gap_report';
import { readGapManifest, readGapRunFolder } from './gap_runs';

// Table 1 of Li et al., "Small Models Struggle to Learn from Strong Reasoners" (arXiv 2502.12143v1,
// HTML version, table S3.T1): student, P_Long, P_Short, Δ_Long, Better? — as published.
const PAPER_TABLE_1: [string, number, number, string, string][] = [
  ['Qwen2.5-0.5B', 14.8, 19.5, '-4.7', 'Short'],
  ['Qwen2.5-1.5B', 27.0, 34.2, '-7.1', 'Short'],
  ['Qwen2.5-3B', 40.3, 43.4, '-3.1', 'Short'],
  ['Qwen2.5-7B', 48.9, 47.2, '1.7', 'Long'],
  ['Qwen2.5-14B', 59.2, 54.3, '4.9', 'Long'],
  ['Qwen2.5-32B', 73.0, 59.3, '13.7', 'Long'],
  ['Llama-3.2-1B', 15.8, 19.5, '-3.7', 'Short'],
  ['Llama-3.2-3B', 32.5, 33.1, '-0.6', 'Short'],
  ['Llama-3.1-8B', 35.2, 31.5, '3.7', 'Long'],
  ['Llama-3.3-70B', 58.2, 54.3, '3.8', 'Long'],
];

// The paper computed Δ from unrounded averages it does not print; from the printed one-decimal P
// values these two cells come out 0.1 away (27.0 − 34.2 = −7.2, 58.2 − 54.3 = 3.9). Every other cell,
// and every "Better?", is reproduced as published.
const DELTA_FROM_PRINTED_P: Record<string, string> = { 'Qwen2.5-1.5B': '-7.2', 'Llama-3.3-70B': '3.9' };

// Table 2 of the same paper (HTML v1, table S3.T2): P_Large, P_Small, Δ_Large, Better? ("Strong"/"Weak"
// teacher there; "Large"/"Small" here). The HTML names the last two students "Llama-3.2-8B/70B"; they
// are Table 1's Llama-3.1-8B and Llama-3.3-70B (the paper's student list).
const PAPER_TABLE_2: [string, number, number, string, string][] = [
  ['Qwen2.5-0.5B', 16.9, 20.4, '-3.5', 'Small'],
  ['Qwen2.5-1.5B', 32.2, 33.0, '-0.8', 'Small'],
  ['Qwen2.5-3B', 39.7, 39.4, '0.3', 'Large'],
  ['Qwen2.5-7B', 48.9, 42.3, '6.6', 'Large'],
  ['Qwen2.5-14B', 52.9, 49.9, '3.0', 'Large'],
  ['Qwen2.5-32B', 59.5, 53.0, '6.5', 'Large'],
  ['Llama-3.2-1B', 16.5, 18.5, '-1.9', 'Small'],
  ['Llama-3.2-3B', 32.8, 31.2, '1.6', 'Large'],
  ['Llama-3.1-8B', 25.6, 25.1, '0.5', 'Large'],
  ['Llama-3.3-70B', 57.6, 53.3, '4.3', 'Large'],
];

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'gap-'));
}

describe('report gap', () => {
  it("reproduces the paper's Table 1 from a manifest of its own numbers", () => {
    const dir = tmp();
    // Shuffled input order: the report must restore family-then-size order.
    const entries = PAPER_TABLE_1.flatMap(([student, pLong, pShort]) => [
      { student, kind: 'short', score: pShort },
      { student, kind: 'long', score: pLong },
    ]).reverse();
    // Families appear Qwen first in the paper; put one Qwen entry first so the order is defined by input.
    entries.unshift(
      entries.splice(
        entries.findIndex((e) => e.student === 'Qwen2.5-7B'),
        1,
      )[0],
    );
    const file = join(dir, 'paper.json');
    writeFileSync(file, JSON.stringify(entries));

    const [section, ...rest] = buildGapReport(readGapManifest(file));
    expect(rest).toHaveLength(0);
    expect(section.name).toBe('gap_long');
    const expected = [
      '| Student Model | P_Long | P_Short | Δ_Long | Better? |',
      '|:---|:---:|:---:|:---:|:---:|',
      ...PAPER_TABLE_1.map(
        ([s, a, b, d, better]) =>
          `| ${s} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${DELTA_FROM_PRINTED_P[s] ?? d} | ${better} |`,
      ),
    ].join('\n');
    expect(section.markdown).toBe(`${expected}\n`);
    expect(section.rows.map((r) => r.family)).toEqual([...Array(6).fill('Qwen'), ...Array(4).fill('Llama')]);
    expect(section.rows.map((r) => r.sizeB)).toEqual([0.5, 1.5, 3, 7, 14, 32, 1, 3, 8, 70]);
    // Figure 2: one panel per family, one bar per size, negative bars for the small students.
    expect(section.svg).toContain('(a) Qwen family');
    expect(section.svg).toContain('(b) Llama family');
    expect((section.svg.match(/<rect x=/g) ?? []).length).toBe(10);
    expect(section.csv.split('\n')[0]).toBe('student,family,size_b,p_long,p_short,delta_long,better');
  });

  it("reproduces the paper's Table 2 layout from its own numbers", () => {
    const runs = PAPER_TABLE_2.flatMap(([student, pLarge, pSmall]) => [
      {
        student,
        family: student.split('-')[0].replace(/[\d.]+$/, ''),
        sizeB: Number(/([\d.]+)B$/.exec(student)![1]),
        kind: 'large-teacher' as const,
        score: pLarge,
      },
      {
        student,
        family: student.split('-')[0].replace(/[\d.]+$/, ''),
        sizeB: Number(/([\d.]+)B$/.exec(student)![1]),
        kind: 'small-teacher' as const,
        score: pSmall,
      },
    ]);
    const [section] = buildGapReport(runs);
    expect(section.name).toBe('gap_large');
    // As for Table 1, one published Δ comes from unrounded averages: 16.5 − 18.5 = −2.0, printed −1.9.
    const fromPrinted: Record<string, string> = { 'Llama-3.2-1B': '-2.0' };
    expect(section.markdown.split('\n').slice(0, -1)).toEqual([
      '| Student Model | P_Large | P_Small | Δ_Large | Better? |',
      '|:---|:---:|:---:|:---:|:---:|',
      ...PAPER_TABLE_2.map(
        ([s, a, b, d, better]) => `| ${s} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${fromPrinted[s] ?? d} | ${better} |`,
      ),
    ]);
  });

  it('builds Table 2 from run folders tagged in run.json with per-benchmark results', () => {
    const root = tmp();
    // Made-up scores (not the paper's): two students, large- vs small-teacher runs.
    const runs = [
      {
        name: 'a',
        tags: { student: 'Tiny-0.1B', kind: 'large-teacher' },
        bench: { math500: { accuracy: 10, correct: 1, total: 10 }, gsm8k: { accuracy: 30 } },
      },
      {
        name: 'b',
        tags: { student: 'Tiny-0.1B', kind: 'small-teacher' },
        bench: { math500: { accuracy: 20 }, gsm8k: { accuracy: 30 } },
      },
      {
        name: 'c',
        tags: { student: 'Tiny-2B', kind: 'large-teacher', family: 'Tiny' },
        bench: { math500: 50, gsm8k: 70 },
      },
      { name: 'd', tags: { student: 'Tiny-2B', kind: 'small-teacher' }, bench: { math500: 40, gsm8k: 70 } },
      { name: 'e', tags: { student: 'Tiny-2B', kind: 'mix' }, bench: { math500: 60, gsm8k: 70 } },
    ];
    const dirs = runs.map(({ name, tags, bench }, i) => {
      const dir = join(root, name);
      mkdirSync(dir);
      // Half the runs carry their tags in run.json (train), half in results.json metadata (eval --meta).
      if (i % 2 === 0) writeFileSync(join(dir, 'run.json'), JSON.stringify({ tags }));
      writeFileSync(
        join(dir, 'results.json'),
        JSON.stringify({ average: null, benchmarks: bench, metadata: i % 2 === 0 ? {} : tags }),
      );
      return dir;
    });
    const sections = buildGapReport(dirs.map(readGapRunFolder));
    expect(sections.map((s) => s.name)).toEqual(['gap_large']);
    expect(sections[0].markdown.split('\n').slice(2, 4)).toEqual([
      '| Tiny-0.1B | 20.0 | 25.0 | -5.0 | Small |',
      '| Tiny-2B | 60.0 | 55.0 | 5.0 | Large |',
    ]);
  });

  it('rejects entries without a kind or a score, naming the entry', () => {
    const dir = tmp();
    const file = join(dir, 'm.jsonl');
    writeFileSync(
      file,
      '{"student": "Qwen2.5-0.5B", "kind": "long", "score": 1}\n{"student": "Qwen2.5-0.5B", "kind": "longer", "score": 2}\n',
    );
    expect(() => readGapManifest(file)).toThrow(/m\.jsonl entry 2: "kind" should be one of/);
    writeFileSync(file, '{"student": "Qwen2.5-0.5B", "kind": "long"}\n');
    expect(() => readGapManifest(file)).toThrow(/give "score"/);
  });
});
