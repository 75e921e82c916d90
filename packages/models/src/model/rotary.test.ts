import { tf } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config';
import { RopeTable, ropeCosSin, ropeInverseFrequencies } from './rotary';

const base = { headDim: 128, ropeTheta: 500000, ropeScaling: null } as unknown as ModelConfig;

describe('ropeInverseFrequencies', () => {
  it('is θ^(-2i/d) without scaling', () => {
    const f = ropeInverseFrequencies(base);
    expect(f.length).toBe(64);
    expect(f[0]).toBe(1);
    expect(f[10]).toBe(Math.fround(1 / 500000 ** (20 / 128)));
  });

  it('keeps high, divides low and interpolates middle frequencies for llama3 (Llama-3.1 settings)', () => {
    const scaling = {
      type: 'llama3',
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    } as const;
    const plain = ropeInverseFrequencies(base);
    const scaled = ropeInverseFrequencies({ ...base, ropeScaling: scaling });
    for (let i = 0; i < 64; i++) {
      const wavelen = (2 * Math.PI) / plain[i];
      if (wavelen < 8192 / 4) expect(scaled[i]).toBe(plain[i]);
      else if (wavelen > 8192) expect(scaled[i]).toBeCloseTo(plain[i] / 8, 12);
      else {
        const smooth = (8192 / wavelen - 1) / 3;
        expect(scaled[i]).toBeCloseTo((1 - smooth) * (plain[i] / 8) + smooth * plain[i], 9);
        expect(scaled[i]).toBeLessThan(plain[i]);
        expect(scaled[i]).toBeGreaterThan(plain[i] / 8);
      }
    }
  });
});

describe('RopeTable', () => {
  const llama3 = {
    ...base,
    ropeScaling: {
      type: 'llama3',
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    },
  } as unknown as ModelConfig;

  it("gives ropeCosSin's values to the bit for consecutive positions, past the table's first size", () => {
    for (const config of [base, llama3]) {
      const frequencies = ropeInverseFrequencies(config);
      const table = new RopeTable(frequencies);
      // [b, past, s]: from 0, then past the 256 positions the table starts with (it grows), then back.
      for (const [b, past, s] of [
        [3, 0, 5],
        [2, 300, 7],
        [1, 1000, 40],
        [2, 9, 1],
      ]) {
        const got = table.consecutive(b, past, s);
        const positions = tf.tensor2d(
          Int32Array.from({ length: b * s }, (_, i) => past + (i % s)),
          [b, s],
          'int32',
        );
        const want = ropeCosSin(positions, tf.tensor1d(frequencies));
        expect(got.cos.shape).toEqual([b, s, frequencies.length]);
        expect(got.cos.dataSync()).toEqual(want.cos.dataSync());
        expect(got.sin.dataSync()).toEqual(want.sin.dataSync());
      }
    }
  });

  it('gives empty tensors for no rows or no positions', () => {
    const table = new RopeTable(ropeInverseFrequencies(base));
    expect(table.consecutive(0, 4, 3).cos.shape).toEqual([0, 3, 64]);
    expect(table.consecutive(2, 4, 0).sin.shape).toEqual([2, 0, 64]);
  });
});
