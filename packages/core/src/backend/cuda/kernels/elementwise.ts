// Elementwise kernels: broadcast binary ops, float32 unary ops, Cast (zero copy when the dtype
// stays), Range and fills.
import { tf } from '../../../tf';
import { BINARY_OPS, DEVICE_UNARY_OPS } from '../../op_codes';
import { DTYPE } from '../cuda_addon';
import { storageDtype } from '../cuda_backend';
import { product, type CudaKernel, type CudaKernelArgs } from './kernel_util';

/** Strides of `shape` read at the coordinates of `outShape` (right-aligned, 0 where broadcast). */
function broadcastStrides(shape: number[], outShape: number[]): number[] {
  const strides = new Array<number>(outShape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1, o = outShape.length - 1; i >= 0; i--, o--) {
    strides[o] = shape[i] === 1 ? 0 : s;
    s *= shape[i];
  }
  return strides;
}

// Integer ops that cannot change meaning in int32 (RealDiv, Pow of int32 go to the fallback).
const INT_OPS = new Set<string>(['Add', 'Sub', 'Multiply', 'Maximum', 'Minimum', 'SquaredDifference']);

function binaryKernel(name: keyof typeof BINARY_OPS): CudaKernel {
  return {
    name,
    run: ({ inputs, backend }: CudaKernelArgs) => {
      const { a, b } = inputs;
      if (a.dtype !== b.dtype) return null;
      const isFloat = a.dtype === 'float32';
      if (!isFloat && !(a.dtype === 'int32' && INT_OPS.has(name))) return null;
      const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      if (outShape.length > 8) return null;
      const out = backend.output(outShape, a.dtype);
      if (product(outShape) === 0) return out.info;
      // A rank-0 output is one element of a 1-D shape for the kernel.
      const shape = outShape.length === 0 ? [1] : outShape;
      const as = outShape.length === 0 ? [0] : broadcastStrides(a.shape, outShape);
      const bs = outShape.length === 0 ? [0] : broadcastStrides(b.shape, outShape);
      backend.addon.binary(
        BINARY_OPS[name],
        isFloat ? DTYPE.float32 : DTYPE.int32,
        backend.ptr(a),
        backend.ptr(b),
        out.ptr,
        shape,
        as,
        bs,
      );
      return out.info;
    },
  };
}

function unaryKernel(name: keyof typeof DEVICE_UNARY_OPS): CudaKernel {
  return {
    name,
    run: ({ inputs, backend }: CudaKernelArgs) => {
      const { x } = inputs;
      if (x.dtype !== 'float32') return null;
      const out = backend.output(x.shape, 'float32');
      backend.addon.unary(DEVICE_UNARY_OPS[name], backend.ptr(x), out.ptr, product(x.shape));
      return out.info;
    },
  };
}

function cast({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const { x } = inputs;
  const dtype = attrs?.dtype as tf.DataType;
  if (dtype === x.dtype) return backend.alias(x, x.shape);
  if (!['float32', 'int32', 'bool'].includes(dtype) || !['float32', 'int32', 'bool'].includes(x.dtype)) return null;
  const out = backend.output(x.shape, dtype);
  const to = dtype === 'float32' ? DTYPE.float32 : DTYPE.int32;
  backend.addon.cast(backend.ptr(x), out.ptr, product(x.shape), storageDtype(x.dtype), to, dtype === 'bool');
  return out.info;
}

// As tfjs' cpu rangeImpl: empty for start == stop or a step pointing away from stop (with its
// quirk of `step > 1` for descending ranges, where a step of 1 becomes −1).
function range({ backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const start = attrs?.start as number,
    stop = attrs?.stop as number;
  let step = attrs?.step as number;
  const dtype = (attrs?.dtype as tf.DataType) ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') return null;
  const empty = start === stop || (start < stop && step < 0) || (stop < start && step > 1);
  const n = empty ? 0 : Math.abs(Math.ceil((stop - start) / step));
  if (stop < start && step === 1) step = -1;
  const out = backend.output([n], dtype);
  backend.addon.range(out.ptr, n, start, step, storageDtype(dtype));
  return out.info;
}

function fill({ backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const shape = attrs?.shape as number[];
  const dtype = (attrs?.dtype as tf.DataType) ?? 'float32';
  if (dtype === 'string' || dtype === 'complex64') return null;
  const out = backend.output(shape, dtype);
  backend.addon.fill(out.ptr, product(shape), Number(attrs?.value), storageDtype(dtype));
  return out.info;
}

function fillLike(name: string, value: number): CudaKernel {
  return {
    name,
    run: ({ inputs, backend }: CudaKernelArgs) => {
      const { x } = inputs;
      if (x.dtype === 'string' || x.dtype === 'complex64') return null;
      const out = backend.output(x.shape, x.dtype);
      backend.addon.fill(out.ptr, product(x.shape), value, storageDtype(x.dtype));
      return out.info;
    },
  };
}

export const ELEMENTWISE_KERNELS: CudaKernel[] = [
  ...(Object.keys(BINARY_OPS) as (keyof typeof BINARY_OPS)[]).map(binaryKernel),
  ...(Object.keys(DEVICE_UNARY_OPS) as (keyof typeof DEVICE_UNARY_OPS)[]).map(unaryKernel),
  { name: 'Cast', run: cast },
  { name: 'Range', run: range },
  { name: 'Fill', run: fill },
  fillLike('ZerosLike', 0),
  fillLike('OnesLike', 1),
];
