import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendJsonl, parseJsonl, readJsonlTolerant } from './jsonl';

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('jsonl', () => {
  it('names file and line of a bad line, and rejects non-objects', () => {
    expect(() => parseJsonl('{"a":1}\n\n[1]\n', 'x.jsonl')).toThrow('x.jsonl:3: expected a JSON object per line');
    expect(() => parseJsonl('{"a":1}\n{oops\n', 'x.jsonl')).toThrow(/^x.jsonl:2: not valid JSON/);
  });
  it('drops a line cut off by a crash so that the next append starts cleanly', () => {
    const file = join(dir, 'records.jsonl');
    writeFileSync(file, '{"id":"1"}\n{"id":"2"}\n');
    appendFileSync(file, '{"id":"3","resp');
    expect(readJsonlTolerant(file)).toEqual([{ id: '1' }, { id: '2' }]);
    appendJsonl(file, { id: '3' });
    expect(readFileSync(file, 'utf8')).toBe('{"id":"1"}\n{"id":"2"}\n{"id":"3"}\n');
    expect(readJsonlTolerant(join(dir, 'absent.jsonl'))).toEqual([]);
  });
});
