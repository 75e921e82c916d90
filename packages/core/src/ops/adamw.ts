// One AdamW step on one parameter, in place, as torch.optim.AdamW (single-tensor path) computes it:
//   p ← p·(1 − lr·wd)                       (decoupled weight decay, before the Adam step)
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
//   p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
// The moments live in Float32Arrays owned by the caller (the optimizer state a checkpoint saves);
// the arithmetic runs in float64 per element and is rounded to float32 once, like torch's float32
// kernels up to the last bit.
import { tf } from '../tf';
import { adamwUpdateNative } from '../backend/native/adamw';

/** Adam moments of one parameter, same length as the parameter. */
export interface AdamWState {
  /** first moment (torch's exp_avg) */
  m: Float32Array;
  /** second moment (torch's exp_avg_sq) */
  v: Float32Array;
}

/** Hyper-parameters of one step. */
export interface AdamWHyperParams {
  /** learning rate of this step (after the schedule) */
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** decoupled weight decay (0 for biases and norm weights, as the HF Trainer groups them) */
  weightDecay: number;
  /** 1-based step count after this update (torch increments `step` before using it) */
  step: number;
}

/** Updates `param` and `state` in place from `grad` (same shape as `param`). */
export function adamwUpdate(param: tf.Variable, grad: tf.Tensor, state: AdamWState, hp: AdamWHyperParams): void {
  if (adamwUpdateNative(param, grad, state, hp)) return; // one fused pass, no allocation (float32 arithmetic)
  const p = param.dataSync() as Float32Array;
  const g = grad.dataSync() as Float32Array;
  const { m, v } = state;
  if (g.length !== p.length || m.length !== p.length || v.length !== p.length) {
    throw new Error(
      `adamwUpdate: ${param.name} has ${p.length} values but grad/m/v have ${g.length}/${m.length}/${v.length}`,
    );
  }
  const decay = 1 - hp.lr * hp.weightDecay;
  const stepSize = hp.lr / (1 - hp.beta1 ** hp.step);
  const bc2Sqrt = Math.sqrt(1 - hp.beta2 ** hp.step);
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = hp.beta1 * m[i] + (1 - hp.beta1) * gi;
    const vi = hp.beta2 * v[i] + (1 - hp.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    out[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + hp.eps);
  }
  const next = tf.tensor(out, param.shape, 'float32');
  param.assign(next);
  next.dispose();
}
