// The optimiser kernels of core/src/ops on the native backend: MdAdamW (one fused pass over param,
// grad and the moments, allocation-free) and MdGlobalNormSq (float64 sums of squares). Contracts:
// ops/adamw.ts and ops/global_norm.ts.
import type { tf } from '../../../tf';
import { FUSED_KERNELS } from '../../../ops/fused';
import { allFloat32, need, product } from '../../kernel_checks';
import { type KernelArgs, type NativeKernel, writable } from './kernel_util';

// inputs {param, grad, m, v}, attrs {lr, beta1, beta2, eps, weightDecay, step, gradScale} -> [param', m', v'].
// m and v are updated in place; the new parameter is written into a pooled buffer that then becomes
// the parameter's storage (the old one returns to the pool), so arrays a caller read before keep
// their values and a step allocates nothing.
function adamw({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { param, grad, m, v } = inputs;
  const n = product(param.shape);
  need(allFloat32(param, grad, m, v), 'MdAdamW: param, grad, m and v must be float32');
  need(
    product(grad.shape) === n && product(m.shape) === n && product(v.shape) === n,
    () => `MdAdamW: param [${param.shape}] but grad [${grad.shape}], m [${m.shape}], v [${v.shape}]`,
  );
  const a = attrs as Record<string, number>;
  const m1 = writable(backend, m, 'float32');
  const v1 = writable(backend, v, 'float32');
  const next = backend.pool.take(n);
  backend.addon.adamw(
    backend.f32(param),
    next,
    backend.f32(grad),
    m1.values,
    v1.values,
    n,
    a.lr,
    a.beta1,
    a.beta2,
    a.eps,
    a.weightDecay,
    a.step,
    a.gradScale,
  );
  const entry = backend.data.get(param.dataId);
  if (entry.refCount !== 1) return [backend.adopt(next, param.shape), m1.info, v1.info];
  // Only the parameter uses its storage: swap it.
  const old = entry.values as Float32Array;
  entry.values = next;
  backend.pool.release(old);
  backend.incRef(param.dataId);
  return [{ dataId: param.dataId, shape: param.shape, dtype: 'float32' }, m1.info, v1.info];
}

// inputs: an array of float32 tensors -> float32 scalar Σ x².
function globalNormSq({ inputs, backend }: KernelArgs): tf.TensorInfo {
  let sum = 0;
  for (const t of Object.values(inputs)) {
    need(allFloat32(t), () => `MdGlobalNormSq: expected float32 tensors, got ${t.dtype}`);
    sum += backend.addon.sumSquares(backend.f32(t), product(t.shape));
  }
  const out = backend.output([]);
  out.values[0] = sum;
  return out.info;
}

export const OPTIMIZER_NATIVE_KERNELS: NativeKernel[] = [
  { name: FUSED_KERNELS.adamw, run: adamw },
  { name: FUSED_KERNELS.globalNormSq, run: globalNormSq },
];
