// Shared by the native kernel registrations: the kernel types, and the shape helpers every backend uses.
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
