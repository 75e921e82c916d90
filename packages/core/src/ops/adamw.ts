// One AdamW step on one parameter, as torch.optim.AdamW (single-tensor path) computes it, on the
// gradient scaled by the clip coefficient (torch.nn.utils.clip_grad_norm_ multiplies the gradients
// in place before the optimiser reads them; folding it in here saves a pass over every gradient):
//   g ← grad·gradScale
//   p ← p·(1 − lr·wd)                       (decoupled weight decay, before the Adam step)
//   m ← β1·m + (1 − β1)·g,  v ← β2·v + (1 − β2)·g²
//   p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
// All in float32, as torch's float32 kernels.
//
// Kernel contract of `MdAdamW` (FUSED_KERNELS.adamw), for a backend that registers it:
//   inputs  {param, grad, m, v}: float32 tensors of one shape (any rank)
//   attrs   {lr, beta1, beta2, eps, weightDecay, step, gradScale}: numbers; `step` is the 1-based
//           count after this update (torch increments `step` before using it); `gradScale` multiplies
//           the gradient before anything else (1 without clipping)
//   outputs [param', m', v']: float32 tensors of param's shape, in that order
// A backend may update storage in place and return an input's data id with its reference count
// raised (as tfjs' Reshape returns its input) when nothing else shares that storage; adamwUpdate
// assigns the three outputs to the variables and disposes them either way. The kernel has no
// gradient: an optimiser step is never recorded on a tape.
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernelOutputs } from './fused';

/** Adam moments of one parameter, tensors of the parameter's shape (device-resident on a GPU backend). */
export interface AdamWState {
  /** first moment (torch's exp_avg) */
  m: tf.Variable;
  /** second moment (torch's exp_avg_sq) */
  v: tf.Variable;
}

/** Hyper-parameters of one step (the kernel's attrs). */
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
  /** factor on the gradient: the global-norm clip coefficient, 1 without clipping (default 1) */
  gradScale?: number;
}

/** Updates `param` and `state` from `grad` (same shape as `param`). */
export function adamwUpdate(param: tf.Variable, grad: tf.Tensor, state: AdamWState, hp: AdamWHyperParams): void {
  const { m, v } = state;
  if (grad.size !== param.size || m.size !== param.size || v.size !== param.size) {
    throw new Error(
      `adamwUpdate: ${param.name} has ${param.size} values but grad/m/v have ${grad.size}/${m.size}/${v.size}`,
    );
  }
  const [p1, m1, v1] = adamwStep(param, grad, m, v, hp);
  param.assign(p1);
  m.assign(m1);
  v.assign(v1);
  tf.dispose([p1, m1, v1]);
}

/** [param', m', v'] through the backend's `MdAdamW` when it has one, else the composition below. */
export function adamwStep(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  hp: AdamWHyperParams,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  if (!hasFusedKernel(FUSED_KERNELS.adamw)) return adamwStepUnfused(param, grad, m, v, hp);
  const attrs = { ...hp, gradScale: hp.gradScale ?? 1 };
  const grad1 = grad.shape.length === param.shape.length ? grad : tf.reshape(grad, param.shape);
  const [p1, m1, v1] = runFusedKernelOutputs(FUSED_KERNELS.adamw, { param, grad: grad1, m, v }, attrs);
  if (grad1 !== grad) grad1.dispose();
  return [p1, m1, v1];
}

/** The update as tfjs ops in float32 on the active backend (the fallback, and the reference in tests). */
export function adamwStepUnfused(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  hp: AdamWHyperParams,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const scale = hp.gradScale ?? 1;
    const g = tf.reshape(scale === 1 ? grad : tf.mul(grad, tf.scalar(scale)), param.shape);
    const m1 = tf.add(tf.mul(m, tf.scalar(hp.beta1)), tf.mul(g, tf.scalar(1 - hp.beta1)));
    const v1 = tf.add(tf.mul(v, tf.scalar(hp.beta2)), tf.mul(tf.mul(g, g), tf.scalar(1 - hp.beta2)));
    // The same float32 constants as the native kernel: bias corrections in float64, then rounded.
    const stepSize = hp.lr / (1 - hp.beta1 ** hp.step);
    const invSqrtBias2 = 1 / Math.sqrt(1 - hp.beta2 ** hp.step);
    const denom = tf.add(tf.mul(tf.sqrt(v1), tf.scalar(invSqrtBias2)), tf.scalar(hp.eps));
    const decayed = tf.mul(param, tf.scalar(1 - hp.lr * hp.weightDecay));
    const p1 = tf.sub(decayed, tf.div(tf.mul(m1, tf.scalar(stepSize)), denom));
    return [p1, m1, v1] as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
