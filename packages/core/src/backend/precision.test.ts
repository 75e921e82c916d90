import { afterEach, describe, expect, it } from 'vitest';
import { precisionFromEnv, supportedPrecisions } from './precision';
import { selectBackend } from './select';

const saved = process.env.MIXDISTILL_PRECISION;

describe('precision of matrix products', () => {
  afterEach(() => {
    if (saved === undefined) delete process.env.MIXDISTILL_PRECISION;
    else process.env.MIXDISTILL_PRECISION = saved;
  });

  it('reads MIXDISTILL_PRECISION, fp32 when unset, and refuses an unknown one with one line', () => {
    delete process.env.MIXDISTILL_PRECISION;
    expect(precisionFromEnv()).toBe('fp32');
    process.env.MIXDISTILL_PRECISION = 'bf16';
    expect(precisionFromEnv()).toBe('bf16');
    process.env.MIXDISTILL_PRECISION = 'fp16';
    expect(() => precisionFromEnv()).toThrow(/^MIXDISTILL_PRECISION is 'fp16'; expected one of fp32, tf32, bf16$/);
  });

  it('native computes fp32 and bf16, cuda also tf32, the others fp32 only', () => {
    expect(supportedPrecisions('native')).toEqual(['fp32', 'bf16']);
    expect(supportedPrecisions('cuda')).toEqual(['fp32', 'tf32', 'bf16']);
    expect(supportedPrecisions('cpu')).toEqual(['fp32']);
  });

  it('a requested backend that cannot compute the precision is refused, naming the ones that can', async () => {
    process.env.MIXDISTILL_PRECISION = 'tf32';
    await expect(selectBackend('native')).rejects.toThrow(
      /^--precision tf32: the native backend computes fp32, bf16 only; use --backend cuda, or leave --precision out$/,
    );
  });
});
