import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic_file';

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes text and bytes, replaces an existing file and leaves no temporary file', () => {
    const file = join(dir, 'a.json');
    writeFileAtomic(file, '{"v":1}\n');
    writeFileAtomic(file, new Uint8Array([0x7b, 0x7d]));
    expect(readFileSync(file, 'utf8')).toBe('{}');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('names the file when its folder does not exist', () => {
    expect(() => writeFileAtomic(join(dir, 'missing', 'b.json'), 'x')).toThrow(/b\.json: cannot create/);
  });
});
