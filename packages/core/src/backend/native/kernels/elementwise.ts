// Broadcasting binary ops and unary ops on float32 tensors.
import { tf } from '../../../tf';
import { BINARY_OPS, UNARY_OPS } from '../../op_codes';
import { allFloat32, stridesOf, type KernelArgs, type NativeKernel } from './kernel_util';

/**
 * Strides of `shape` read as the broadcast shape `full` (aligned at the last axis): 0 along the
 * dimensions it broadcasts. A module-level function, not a closure: tsx names every closure it
 * creates (Object.defineProperty), which took ~0.5-1 ms of a tiny training step (profiled) in this hot path.
 */
function broadcastStrides(shape: number[], full: number[]): number[] {
  const own = stridesOf(shape);
  const strides = new Array<number>(full.length);
  for (let d = 0; d < full.length; d++) {
    const sd = d - (full.length - shape.length);
    strides[d] = sd < 0 || shape[sd] === 1 ? 0 : own[sd];
  }
  return strides;
}

/**
 * The output shape and per-input strides of a broadcast (stride 0 along broadcast dimensions),
 * with adjacent dimensions merged where both inputs are contiguous across them, so the innermost
 * run is as long as possible.
 */
export function broadcastLayout(
  aShape: number[],
  bShape: number[],
): { outShape: number[]; shape: number[]; aStrides: number[]; bStrides: number[] } {
  const outShape = tf.backend_util.assertAndGetBroadcastShape(aShape, bShape);
  const rank = Math.max(outShape.length, 1);
  const full = outShape.length === 0 ? [1] : outShape;
  const as = broadcastStrides(aShape, full),
    bs = broadcastStrides(bShape, full);
  const shape: number[] = [full[0]],
    aStrides = [as[0]],
    bStrides = [bs[0]];
  for (let d = 1; d < rank; d++) {
    const last = shape.length - 1;
    const mergeA = aStrides[last] === as[d] * full[d];
    const mergeB = bStrides[last] === bs[d] * full[d];
    if (mergeA && mergeB) {
      shape[last] *= full[d];
      aStrides[last] = as[d];
      bStrides[last] = bs[d];
    } else if (full[d] !== 1) {
      shape.push(full[d]);
      aStrides.push(as[d]);
      bStrides.push(bs[d]);
    }
  }
  return { outShape, shape, aStrides, bStrides };
}

function binaryKernel(name: keyof typeof BINARY_OPS): NativeKernel {
  return {
    name,
    run: ({ inputs, backend }: KernelArgs) => {
      const { a, b } = inputs;
      if (!allFloat32(a, b)) return null;
      const layout = broadcastLayout(a.shape, b.shape);
      if (layout.shape.length > 8) return null;
      const out = backend.output(layout.outShape);
      backend.addon.binary(
        BINARY_OPS[name],
        backend.f32(a),
        backend.f32(b),
        out.values,
        Float64Array.from(layout.shape),
        Float64Array.from(layout.aStrides),
        Float64Array.from(layout.bStrides),
      );
      return out.info;
    },
  };
}

function unaryKernel(name: keyof typeof UNARY_OPS): NativeKernel {
  return {
    name,
    run: ({ inputs, backend }: KernelArgs) => {
      const { x } = inputs;
      if (!allFloat32(x)) return null;
      const out = backend.output(x.shape);
      backend.addon.unary(UNARY_OPS[name], backend.f32(x), out.values, out.values.length, 0);
      return out.info;
    },
  };
}

export const ELEMENTWISE_KERNELS: NativeKernel[] = [
  ...(Object.keys(BINARY_OPS) as (keyof typeof BINARY_OPS)[]).map(binaryKernel),
  ...(Object.keys(UNARY_OPS) as (keyof typeof UNARY_OPS)[]).map(unaryKernel),
];
