// AdamW on the native backend: one fused pass over param, grad and the moments, writing the new
// parameter into a pooled buffer that then becomes the variable's storage (the old one returns to
// the pool), so a step allocates nothing and arrays a caller read before keep their values.
import { tf } from '../../tf';
import type { AdamWHyperParams, AdamWState } from '../../ops/adamw';
import { NativeBackend } from './native_backend';

/** Runs the update natively when `native` is active; returns false (nothing done) otherwise. */
export function adamwUpdateNative(
  param: tf.Variable,
  grad: tf.Tensor,
  state: AdamWState,
  hp: AdamWHyperParams,
): boolean {
  if (tf.getBackend() !== 'native') return false;
  const backend = tf.backend();
  if (!(backend instanceof NativeBackend) || param.dtype !== 'float32' || grad.dtype !== 'float32') return false;
  const n = param.size;
  if (grad.size !== n || state.m.length !== n || state.v.length !== n) {
    throw new Error(
      `adamwUpdate: ${param.name} has ${n} values but grad/m/v have ${grad.size}/${state.m.length}/${state.v.length}`,
    );
  }
  const entry = backend.data.get(param.dataId);
  const next = backend.pool.take(n);
  backend.addon.adamw(
    entry.values as Float32Array,
    next,
    backend.f32(grad),
    state.m,
    state.v,
    n,
    hp.lr,
    hp.beta1,
    hp.beta2,
    hp.eps,
    hp.weightDecay,
    hp.step,
  );
  if (entry.refCount === 1) {
    // Only the variable uses this storage: swap it.
    const old = entry.values;
    entry.values = next;
    backend.pool.release(old);
  } else {
    // Another tensor shares the storage (e.g. the variable's initial value): give the variable its own.
    const fresh = tf.engine().makeTensorFromTensorInfo(backend.adopt(next, param.shape));
    param.assign(fresh);
    fresh.dispose();
  }
  return true;
}
