// Shared by the native kernel registrations: the fallback to tfjs' cpu kernels.
import type { tf } from '../../../tf';
import type { NativeBackend } from '../native_backend';

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

/** Whether every tensor is float32 (native elementwise kernels work on float32 storage only). */
export function allFloat32(...ts: tf.TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/** Row-major strides of a shape. */
export function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Product of shape[from..to). */
export function product(shape: number[], from = 0, to = shape.length): number {
  let p = 1;
  for (let d = from; d < to; d++) p *= shape[d];
  return p;
}
