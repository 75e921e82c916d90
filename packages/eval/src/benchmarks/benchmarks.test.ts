import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFixtureBenchmarks } from '../testing/fixture_benchmarks';
import { DEFAULT_DOWNLOAD_OPTIONS, downloadBenchmark } from './download';
import { loadBenchmark } from './load';
import { parseSubset } from './subset';

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SHARED = new URL('../../../../../shared/data/benchmarks', import.meta.url).pathname;

describe('loadBenchmark', () => {
  writeFixtureBenchmarks(join(dir, 'data'));
  it('reads each benchmark with its gold format, in file order', () => {
    const gsm = loadBenchmark(join(dir, 'data'), 'gsm8k');
    expect(gsm.problems.map((p) => [p.id, p.gold])).toEqual([
      ['0', '1,450'],
      ['1', '74'],
      ['2', '18'],
    ]);
    expect(gsm.sha256).toMatch(/^[0-9a-f]{64}$/);
    const math = loadBenchmark(join(dir, 'data'), 'math');
    expect(math.problems[0]).toMatchObject({
      id: 'test/algebra/1.json',
      gold: '\\frac{\\sqrt{2}}{2}',
      level: 2,
      subject: 'algebra',
    });
    expect(loadBenchmark(join(dir, 'data'), 'amc23').problems[0].gold).toBe('27');
    expect(loadBenchmark(join(dir, 'data'), 'olympiadbench').problems[1].gold).toBe('n(n-1)');
  });
  it('applies --subset then --limit', () => {
    const data = join(dir, 'data');
    expect(loadBenchmark(data, 'math', { subset: 'level=3,4' }).problems.map((p) => p.id)).toEqual([
      'test/algebra/9.json',
      'test/precalculus/3.json',
    ]);
    expect(
      loadBenchmark(data, 'math', { subset: 'subject=Intermediate Algebra' }).problems.map((p) => p.level),
    ).toEqual([5]);
    expect(loadBenchmark(data, 'math', { subset: 'subject=algebra', limit: 1 }).problems.map((p) => p.id)).toEqual([
      'test/algebra/1.json',
    ]);
    expect(() => parseSubset('difficulty=3')).toThrow(/--subset: "difficulty=3"/);
    expect(() => parseSubset('level=7')).toThrow(/level "7" is not 1–5/);
  });
  it('names the missing file', () => {
    expect(() => loadBenchmark(join(dir, 'nowhere'), 'aime24')).toThrow(
      /nowhere\/aime24\/test.jsonl: benchmark file not found/,
    );
  });
  it.skipIf(!existsSync(SHARED))('reads the shared benchmark files (record counts of PROVENANCE.md)', () => {
    const counts = { gsm8k: 1319, math: 5000, math500: 500, aime24: 30, amc23: 40, olympiadbench: 675 } as const;
    for (const [name, n] of Object.entries(counts))
      expect(loadBenchmark(SHARED, name as keyof typeof counts).problems.length, name).toBe(n);
    expect(loadBenchmark(SHARED, 'gsm8k').sha256).toBe(
      '9f098df7ff4522078d6ccec27a5c38a454790fdb51131bedfaa0e490070d5394',
    );
    expect(loadBenchmark(SHARED, 'math500', { subset: 'level=5' }).problems.every((p) => p.level === 5)).toBe(true);
  });
});

describe('downloadBenchmark', () => {
  it('pages through the dataset viewer /rows API, retries a 503, and writes the loader layout', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({
      row_idx: i,
      row: { question: `q${i}`, answer: `work\n#### ${i * 10}` },
      truncated_cells: [],
    }));
    const seen: string[] = [];
    let failed = false;
    const server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      seen.push(url.search);
      if (!failed) {
        failed = true;
        res.writeHead(503).end();
        return;
      }
      const offset = Number(url.searchParams.get('offset'));
      const length = Number(url.searchParams.get('length'));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ rows: rows.slice(offset, offset + length), num_rows_total: rows.length }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const out = join(dir, 'downloaded');
      const { file, rows: n } = await downloadBenchmark('gsm8k', out, {
        ...DEFAULT_DOWNLOAD_OPTIONS,
        baseUrl,
        pageSize: 2,
        backoffMs: 1,
      });
      expect(n).toBe(5);
      expect(seen[0]).toBe('?dataset=openai%2Fgsm8k&config=main&split=test&offset=0&length=2');
      expect(seen.length).toBe(4); // one 503 + pages at offsets 0, 2, 4
      expect(readFileSync(file, 'utf8').split('\n')[1]).toBe('{"question":"q1","answer":"work\\n#### 10","idx":1}');
      expect(loadBenchmark(out, 'gsm8k').problems.map((p) => p.gold)).toEqual(['0', '10', '20', '30', '40']);
    } finally {
      server.close();
    }
  });
});
