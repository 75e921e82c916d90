// Shared by the native kernel registrations: the kernel types, the shape helpers every backend uses, and
// `writable` (storage an in-place kernel may overwrite).
import type { tf } from '../../../tf';
import type { NativeBackend } from '../native_backend';

export { allFloat32, need, product, stridesOf } from '../../kernel_checks';

export type KernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: NativeBackend;
  attrs?: Record<string, unknown>;
};

/** A native kernel: returns null when it does not handle these inputs (the cpu kernel runs instead). */
export type NativeKernelFunc = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] | null;

export interface NativeKernel {
  name: string;
  run: NativeKernelFunc;
}

/**
 * Storage a kernel may overwrite for `t` (float32 or int32, as `dtype` says): its own when only one
 * tensor holds it (returned as the output with its reference count raised, as tfjs' Reshape returns
 * its input), else a copy.
 */
export function writable<D extends 'float32' | 'int32'>(
  backend: NativeBackend,
  t: tf.TensorInfo,
  dtype: D,
): { info: tf.TensorInfo; values: D extends 'int32' ? Int32Array : Float32Array } {
  type Values = D extends 'int32' ? Int32Array : Float32Array;
  if (backend.data.get(t.dataId).refCount === 1) {
    backend.incRef(t.dataId);
    const values = (dtype === 'int32' ? backend.i32(t) : backend.f32(t)) as Values;
    return { info: { dataId: t.dataId, shape: t.shape, dtype }, values };
  }
  if (dtype === 'int32') {
    const values = backend.i32(t).slice();
    return { info: backend.makeTensorInfo(t.shape, 'int32', values), values: values as Values };
  }
  const out = backend.output(t.shape);
  out.values.set(backend.f32(t));
  return { info: out.info, values: out.values as Values };
}
