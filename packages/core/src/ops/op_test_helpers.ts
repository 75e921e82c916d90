// Shared by the op tests: which backends to run on, seeded data, and a finite-difference gradient check.
import { tf } from '../tf';
export { activatableBackends } from '../backend/select';

/** Deterministic values in [-scale, scale) from a small LCG, so failures reproduce. */
export function seededValues(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let state = seed >>> 0;
  for (let i = 0; i < n; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
  }
  return out;
}

export function seededTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed,
      scale,
    ),
    shape,
  );
}

/**
 * Compares tf.grads of L(x) = Σ f(x)·r (r fixed random weights) with central differences of L,
 * for each input listed in `wrt`. L is summed in float64 from the op's float32 output so the
 * differences are limited by the op's rounding, not by the sum. Returns, per input, the largest
 * |analytic - numeric| divided by the largest |analytic| (or 1 if that is smaller).
 */
export function finiteDifferenceErrors(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  wrt: number[],
  step = 1e-2,
): number[] {
  const outShape = tf.tidy(() => f(...inputs).shape);
  const r = seededValues(
    outShape.reduce((a, b) => a * b, 1),
    99,
  );
  const weightsT = tf.tensor(r, outShape);
  const lossOf = (xs: tf.Tensor[]): number => {
    const out = tf.tidy(() => f(...xs).dataSync());
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i] * r[i];
    return sum;
  };
  const analytic = tf.tidy(() => {
    const g = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), weightsT)));
    return g(wrt.map((i) => inputs[i])).map((t) => t.dataSync());
  });
  weightsT.dispose();
  return wrt.map((inputIndex, k) => {
    const base = inputs[inputIndex].dataSync().slice();
    let maxErr = 0;
    let maxAbs = 0;
    for (let j = 0; j < base.length; j++) {
      const shifted = (delta: number) => {
        const values = base.slice();
        values[j] += delta;
        const x = tf.tensor(values, inputs[inputIndex].shape);
        const xs = inputs.map((t, i) => (i === inputIndex ? x : t));
        const loss = lossOf(xs);
        x.dispose();
        return loss;
      };
      const numeric = (shifted(step) - shifted(-step)) / (2 * step);
      maxErr = Math.max(maxErr, Math.abs(numeric - analytic[k][j]));
      maxAbs = Math.max(maxAbs, Math.abs(analytic[k][j]));
    }
    return maxErr / Math.max(1, maxAbs);
  });
}
