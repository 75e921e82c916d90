// A randomly initialised model for a config, as transformers' `_init_weights`: linear and embedding
// weights ~ normal(0, initializer_range = 0.02), biases 0, RMSNorm weights 1.
import { MixdistillError, Rng, bf16Storage, bf16Tensor, packBf16, tf } from '@mixdistill/core';
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
   * blocks of rows with core's Rng and packs each block at once, so no float32 matrix is ever
   * whole in memory; its values are not the f32 model's of the same seed.
   */
  dtype?: WeightDtype;
}

/** Float32 values drawn per bf16 block: 1 MiB, reused, so drawing a large model leaves no garbage behind. */
const BF16_BLOCK_VALUES = 1 << 18;

/**
 * A normal(0, std) matrix [rows, cols] as packed bf16, drawn block by block with core's Rng (Box-Muller)
 * into one reused float32 block: tfjs' randomNormal would leave a fresh array per block for the
 * garbage collector, which the peak RSS of a bf16 decode benchmark counted.
 */
function randomBf16(name: string, [rows, cols]: [number, number], std: number, seed: number): tf.Tensor2D {
  if (cols % 2 !== 0) throw new MixdistillError(`${name}: bf16 needs an even last dimension, got [${rows}, ${cols}]`);
  const packed = bf16Storage(rows * cols);
  const rng = new Rng(seed);
  const blockRows = Math.max(1, Math.floor(BF16_BLOCK_VALUES / cols));
  const block = new Float32Array(blockRows * cols);
  for (let r = 0; r < rows; r += blockRows) {
    const n = Math.min(blockRows, rows - r);
    for (let i = 0; i < n * cols; i += 2) {
      // Box-Muller: two independent normals from two uniforms in (0, 1].
      const radius = std * Math.sqrt(-2 * Math.log(1 - rng.next()));
      const angle = 2 * Math.PI * rng.next();
      block[i] = radius * Math.cos(angle);
      block[i + 1] = radius * Math.sin(angle);
    }
    packBf16(block.subarray(0, n * cols), [n, cols], name, packed.subarray((r * cols) / 2, ((r + n) * cols) / 2));
  }
  return bf16Tensor(packed, [rows, cols]);
}

/**
 * The seed passed to tfjs' randomNormal: tfjs replaces a seed of 0 with Math.random(), so the first
 * tensor of `--seed 0` drew different weights in every process. 0 becomes 0.5, which no integer
 * seed + index can equal.
 */
function tfjsSeed(seed: number): number {
  return seed === 0 ? 0.5 : seed;
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
      return tf.randomNormal(spec.shape, 0, std, 'float32', tfjsSeed(options.seed + index));
    });
    params.set(spec.name, tf.variable(initial, true));
    initial.dispose();
  });
  return new CausalLM(config, params);
}
