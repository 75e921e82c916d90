// Rotary position embedding in the half-split layout of transformers' `apply_rotary_pos_emb`
// (`q * cos + rotate_half(q) * sin`, where rotate_half(x) = cat(-x2, x1) for the halves x1, x2).
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/**
 * Rotates each head's vector pair (x[i], x[i + d/2]) by the angle whose cos/sin are given per
 * position. cos/sin hold d/2 values (transformers duplicates them to d; the halves are equal).
 * Fused kernel `MdRope`: inputs `{x, cos, sin}`.
 */
export function applyRope(
  x: tf.Tensor, // [b, heads, s, d]
  cos: tf.Tensor, // [b, s, d/2]
  sin: tf.Tensor, // [b, s, d/2]
): tf.Tensor {
  if (hasFusedKernel(FUSED_KERNELS.applyRope)) return runFusedKernel(FUSED_KERNELS.applyRope, { x, cos, sin });
  return applyRopeUnfused(x, cos, sin);
}

/** The composition of tfjs ops: the path for backends without the fused kernel, and the test reference. */
export function applyRopeUnfused(x: tf.Tensor, cos: tf.Tensor, sin: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const c = tf.expandDims(cos, 1); // [b, 1, s, d/2], shared by all heads
    const s = tf.expandDims(sin, 1);
    const [x1, x2] = tf.split(x, 2, -1); // [b, heads, s, d/2] each
    const out1 = tf.sub(tf.mul(x1, c), tf.mul(x2, s));
    const out2 = tf.add(tf.mul(x2, c), tf.mul(x1, s));
    return tf.concat([out1, out2], -1);
  });
}
