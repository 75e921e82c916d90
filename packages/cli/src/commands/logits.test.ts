import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checkpoint, MixdistillError } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { logitsCommand, parseIds } from './logits';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/tiny-qwen2');

describe('mixdistill logits', () => {
  it('writes the golden logits of each --ids sequence', async () => {
    const golden = Checkpoint.open(path.join(FIXTURE, 'golden.safetensors'));
    const ids = Array.from(golden.readInt32('input_ids'));
    const expected = golden.readFloat32('logits'); // [2, 16, 448]
    golden.close();
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-logits-')), 'logits.json');
    const first = ids.slice(0, 16).join(',');
    const secondPrefix = ids.slice(16, 21).join(',');
    await (logitsCommand.handler as (a: object) => Promise<void>)({
      model: FIXTURE,
      ids: [first, secondPrefix],
      out,
      backend: 'cpu',
    });
    const { logits } = JSON.parse(fs.readFileSync(out, 'utf8')) as { logits: number[][][] };
    expect(logits.map((s) => s.length)).toEqual([16, 5]);
    let maxDiff = 0;
    logits.forEach((sequence, b) =>
      sequence.forEach((row, t) =>
        row.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - expected[(b * 16 + t) * 448 + j])))),
      ),
    );
    expect(maxDiff).toBeLessThan(1e-4);
    fs.rmSync(path.dirname(out), { recursive: true });
  });

  it('rejects ids that are not token ids of the model', () => {
    expect(parseIds('3, 17,42', 448)).toEqual([3, 17, 42]);
    expect(() => parseIds('3,448', 448)).toThrow(MixdistillError);
    expect(() => parseIds('3,-1', 448)).toThrow(/comma-separated token ids/);
    expect(() => parseIds('', 448)).toThrow(MixdistillError);
  });
});
