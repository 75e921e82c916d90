// A randomly initialised model for a config, as transformers' `_init_weights`: linear and embedding
// weights ~ normal(0, initializer_range = 0.02), biases 0, RMSNorm weights 1.
import { MixdistillError, bf16Storage, bf16Tensor, packBf16, tf } from '@mixdistill/core';
import type { ModelConfig } from '../config';
import { CausalLM } from '../model/causal_lm';
import { parameterSpecs } from '../model/parameters';
import { architectureOf } from '../model_config';
import type { WeightDtype } from './load_model';

export interface CreateModelOptions {
  /** Seeds the normal draws; each tensor uses seed + its index so results do not depend on order of use. */
  seed: number;
  /** Standard deviation of the normal weights (config `initializer_range`). */
  initializerRange?: number;
  /**
   * How the matrices are held (default f32). bf16 (inference benchmarks) draws each matrix in
   * blocks of rows, each block seeded on its own, and packs it at once, so no float32 matrix is
   * ever whole in memory; its values are not the f32 model's of the same seed.
   */
  dtype?: WeightDtype;
}

/** Float32 values drawn per bf16 block: 4 MiB. */
const BF16_BLOCK_VALUES = 1 << 20;

/** A normal(0, std) matrix [rows, cols] as packed bf16, drawn BF16_BLOCK_VALUES at a time. */
function randomBf16(name: string, [rows, cols]: [number, number], std: number, seed: number): tf.Tensor2D {
  if (cols % 2 !== 0) throw new MixdistillError(`${name}: bf16 needs an even last dimension, got [${rows}, ${cols}]`);
  const packed = bf16Storage(rows * cols);
  const blockRows = Math.max(1, Math.floor(BF16_BLOCK_VALUES / cols));
  for (let r = 0, block = 0; r < rows; r += blockRows, block++) {
    const n = Math.min(blockRows, rows - r);
    const draw = tf.randomNormal([n, cols], 0, std, 'float32', seed * 65536 + block);
    packBf16(draw.dataSync() as Float32Array, [n, cols], name, packed.subarray((r * cols) / 2, ((r + n) * cols) / 2));
    draw.dispose();
  }
  return bf16Tensor(packed, [rows, cols]);
}

export function createModel(config: ModelConfig, options: CreateModelOptions): CausalLM {
  const std = options.initializerRange ?? 0.02;
  const params = new Map<string, tf.Variable>();
  parameterSpecs(config, architectureOf(config).modules).forEach((spec, index) => {
    if (options.dtype === 'bf16' && spec.shape.length === 2) {
      const packed = randomBf16(spec.name, spec.shape as [number, number], std, options.seed + index);
      params.set(spec.name, tf.variable(packed, false));
      packed.dispose();
      return;
    }
    const initial = tf.tidy(() => {
      if (spec.init === 'zeros') return tf.zeros(spec.shape);
      if (spec.init === 'ones') return tf.ones(spec.shape);
      return tf.randomNormal(spec.shape, 0, std, 'float32', options.seed + index);
    });
    params.set(spec.name, tf.variable(initial, true));
    initial.dispose();
  });
  return new CausalLM(config, params);
}
