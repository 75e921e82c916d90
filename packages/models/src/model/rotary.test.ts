import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config';
import { ropeInverseFrequencies } from './rotary';

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
