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
