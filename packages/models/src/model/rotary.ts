// RoPE angles: inverse frequencies (with llama3 scaling) and cos/sin per position, as transformers'
// `_compute_default_rope_parameters`, `_compute_llama3_parameters` and LlamaRotaryEmbedding.forward.
import { tf } from '@mixdistill/core';
import type { ModelConfig } from '../config';

/** θ^(-2i/d) for i < d/2, rescaled per config.ropeScaling. */
export function ropeInverseFrequencies(config: ModelConfig): Float32Array {
  const d = config.headDim;
  const base = Array.from({ length: d / 2 }, (_, i) => 1 / config.ropeTheta ** ((2 * i) / d));
  const scaling = config.ropeScaling;
  if (!scaling) return Float32Array.from(base);
  // llama3: long wavelengths are divided by `factor`, short ones kept, the band between interpolated.
  const lowFreqWavelen = scaling.originalMaxPositionEmbeddings / scaling.lowFreqFactor;
  const highFreqWavelen = scaling.originalMaxPositionEmbeddings / scaling.highFreqFactor;
  return Float32Array.from(
    base.map((freq) => {
      const wavelen = (2 * Math.PI) / freq;
      if (wavelen < highFreqWavelen) return freq;
      if (wavelen > lowFreqWavelen) return freq / scaling.factor;
      const smooth =
        (scaling.originalMaxPositionEmbeddings / wavelen - scaling.lowFreqFactor) /
        (scaling.highFreqFactor - scaling.lowFreqFactor);
      return (1 - smooth) * (freq / scaling.factor) + smooth * freq;
    }),
  );
}

/** cos/sin of position · inverse frequency, computed in float32 like transformers. */
export function ropeCosSin(
  positionIds: tf.Tensor, // int32 [b, s]
  inverseFrequencies: tf.Tensor, // [d/2]
): { cos: tf.Tensor; sin: tf.Tensor } {
  return tf.tidy(() => {
    const angles = tf.mul(tf.expandDims(tf.cast(positionIds, 'float32'), 2), inverseFrequencies); // [b, s, d/2]
    return { cos: tf.cos(angles), sin: tf.sin(angles) };
  });
}

/**
 * cos/sin of consecutive positions, the forward's default when no position ids are given (a
 * training step without packing, a prompt without padding), read from host tables of every position
 * up to the longest seen (grown by doubling). Each value is ropeCosSin's to the bit — the angle
 * rounded to float32, then its cos or sin rounded — so a step runs no trigonometry, Cast, Tile or
 * Range kernels: on the native backend tfjs' cpu Cos, Sin and Tile took ~1.4 ms of a ~95 ms tiny
 * training step.
 */
export class RopeTable {
  private cosTable = new Float32Array(0); // [positions, d/2]
  private sinTable = new Float32Array(0); // [positions, d/2]
  private positions = 0;

  constructor(private readonly inverseFrequencies: Float32Array) {} // [d/2]

  /** cos/sin [b, s, d/2] of positions past..past+s-1 on every row. */
  consecutive(b: number, past: number, s: number): { cos: tf.Tensor; sin: tf.Tensor } {
    this.cover(past + s);
    const half = this.inverseFrequencies.length;
    const rows = (table: Float32Array) => {
      const one = table.subarray(past * half, (past + s) * half); // [s, d/2]
      const out = new Float32Array(b * s * half);
      for (let r = 0; r < b; r++) out.set(one, r * s * half);
      return tf.tensor3d(out, [b, s, half]);
    };
    return { cos: rows(this.cosTable), sin: rows(this.sinTable) };
  }

  /** Grows the tables to at least `positions` rows. */
  private cover(positions: number): void {
    if (positions <= this.positions) return;
    let n = Math.max(this.positions, 256);
    while (n < positions) n *= 2;
    const half = this.inverseFrequencies.length;
    this.cosTable = new Float32Array(n * half);
    this.sinTable = new Float32Array(n * half);
    for (let p = 0; p < n; p++)
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * this.inverseFrequencies[i]); // float32 position · float32 frequency
        this.cosTable[p * half + i] = Math.cos(angle);
        this.sinTable[p * half + i] = Math.sin(angle);
      }
    this.positions = n;
  }
}
