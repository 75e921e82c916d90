// The optimiser kernels of core/src/ops on the device, with the contracts of ops/adamw.ts and
// ops/global_norm.ts (the native backend's are backend/native/kernels/optimizer.ts): MdAdamW updates
// param, m and v in place, so the moments stay device tensors and a step allocates nothing when
// nothing else shares their storage; MdGlobalNormSq leaves Σ‖g‖² on the device for the trainer's
// one host read per step (loss and norm together).
import type { tf } from '../../../tf';
import { FUSED_KERNELS } from '../../../ops/fused';
import type { CudaBackend } from '../cuda_backend';
import type { Ptr } from '../cuda_addon';
import { copyOf, need, product, type CudaKernel, type CudaKernelArgs } from './kernel_util';

/**
 * Storage the kernel may overwrite for `t`: its own when only one tensor holds it (returned as the
 * output with its reference count raised, as tfjs' Reshape returns its input), else a device copy.
 */
function writable(backend: CudaBackend, t: tf.TensorInfo): { info: tf.TensorInfo; ptr: Ptr } {
  if (backend.refCount(t.dataId) === 1) {
    backend.incRef(t.dataId);
    return { info: { dataId: t.dataId, shape: t.shape, dtype: 'float32' }, ptr: backend.ptr(t) };
  }
  const info = copyOf(backend, t);
  return { info, ptr: backend.ptr(info) };
}

// inputs {param, grad, m, v} of one size, attrs {lr, beta1, beta2, eps, weightDecay, step, gradScale}
// -> [param', m', v'] (one launch).
function adamw({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo[] {
  const { param, grad, m, v } = inputs;
  const n = product(param.shape);
  need(
    [param, grad, m, v].every((t) => t.dtype === 'float32'),
    'MdAdamW: param, grad, m and v must be float32',
  );
  need(
    product(grad.shape) === n && product(m.shape) === n && product(v.shape) === n,
    () => `MdAdamW: param [${param.shape}] but grad [${grad.shape}], m [${m.shape}], v [${v.shape}]`,
  );
  const a = attrs as Record<string, number>;
  need(a.step >= 1, () => `MdAdamW: step is ${a.step}; it counts from 1`);
  const p1 = writable(backend, param);
  const m1 = writable(backend, m);
  const v1 = writable(backend, v);
  backend.addon.adamw(
    p1.ptr,
    backend.ptr(grad),
    m1.ptr,
    v1.ptr,
    n,
    a.lr,
    a.beta1,
    a.beta2,
    a.eps,
    a.weightDecay,
    a.step,
    a.gradScale,
  );
  return [p1.info, m1.info, v1.info];
}

// inputs: an array of float32 tensors -> float32 scalar Σ x² (one launch per tensor, one to add the partials).
function globalNormSq({ inputs, backend }: CudaKernelArgs): tf.TensorInfo {
  const ts = Object.values(inputs);
  need(ts.length > 0, 'MdGlobalNormSq: no tensors');
  for (const t of ts) need(t.dtype === 'float32', () => `MdGlobalNormSq: expected float32 tensors, got ${t.dtype}`);
  const out = backend.output([], 'float32');
  backend.addon.sumSquares(
    ts.map((t) => backend.ptr(t)),
    ts.map((t) => product(t.shape)),
    out.ptr,
  );
  return out.info;
}

export const OPTIMIZER_CUDA_KERNELS: CudaKernel[] = [
  { name: FUSED_KERNELS.adamw, run: adamw },
  { name: FUSED_KERNELS.globalNormSq, run: globalNormSq },
];
