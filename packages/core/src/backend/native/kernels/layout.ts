// Data movement: Transpose, Slice, Concat, GatherV2 (embedding lookup) and UnsortedSegmentSum (its
// gradient), and MdWriteInto (a KV cache's in-place append).
import { tf } from '../../../tf';
import { FUSED_KERNELS } from '../../../ops/fused';
import { checkWriteInto } from '../../../ops/write_into';
import { allFloat32, need, product, stridesOf, type KernelArgs, type NativeKernel, writable } from './kernel_util';

function transpose({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs;
  const perm = attrs?.perm as number[];
  if (!allFloat32(x) || x.shape.length === 0 || x.shape.length > 8) return null;
  const outShape = perm.map((p) => x.shape[p]);
  if (perm.every((p, i) => p === i)) {
    // Identity permutation (e.g. gather's gradient along axis 0): share the storage, as Identity does.
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: outShape, dtype: x.dtype };
  }
  const out = backend.output(outShape);
  backend.addon.transpose(backend.f32(x), out.values, Float64Array.from(x.shape), Int32Array.from(perm));
  return out.info;
}

function gatherV2({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x, indices } = inputs;
  const batchDims = (attrs?.batchDims as number | undefined) ?? 0;
  if (!allFloat32(x) || indices.dtype !== 'int32' || batchDims !== 0 || x.shape.length === 0) return null;
  const [axis] = tf.util.parseAxisParam(attrs?.axis as number, x.shape);
  const axisLen = x.shape[axis];
  const idx = backend.i32(indices);
  // Out-of-range indices: let the cpu kernel raise tfjs' error.
  for (let i = 0; i < idx.length; i++) if (idx[i] < 0 || idx[i] >= axisLen) return null;
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = backend.output(outShape);
  backend.addon.gather(backend.f32(x), idx, out.values, product(x.shape, 0, axis), axisLen, product(x.shape, axis + 1));
  return out.info;
}

function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x, segmentIds } = inputs;
  const numSegments = attrs?.numSegments as number;
  const idRank = segmentIds.shape.length;
  if (!allFloat32(x) || segmentIds.dtype !== 'int32' || idRank === 0 || idRank > x.shape.length) return null;
  for (let d = 0; d < idRank; d++) if (segmentIds.shape[d] !== x.shape[d]) return null;
  const inner = product(x.shape, idRank);
  const out = backend.output([numSegments, ...x.shape.slice(idRank)]);
  backend.addon.segmentSum(
    backend.f32(x),
    backend.i32(segmentIds),
    out.values,
    product(segmentIds.shape),
    inner,
    numSegments,
  );
  return out.info;
}

/** Concat of float32 tensors: one block copy per input per outer index (the KV cache grows this way). */
function concat({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const tensors = Object.values(inputs);
  if (tensors.length === 0 || !allFloat32(...tensors) || tensors[0].shape.length === 0) return null;
  const first = tensors[0].shape;
  const [axis] = tf.util.parseAxisParam(attrs?.axis as number, first);
  for (const t of tensors) {
    if (t.shape.length !== first.length || t.shape.some((s, d) => d !== axis && s !== first[d])) return null; // cpu kernel reports it
  }
  const outShape = first.slice();
  outShape[axis] = tensors.reduce((n, t) => n + t.shape[axis], 0);
  const outer = product(first, 0, axis);
  const rows = tensors.map((t) => product(t.shape, axis));
  const outRow = product(outShape, axis);
  const out = backend.output(outShape);
  tensors.forEach((t, i) => {
    const src = backend.f32(t);
    const row = rows[i];
    let offset = 0;
    for (let j = 0; j < i; j++) offset += rows[j];
    for (let o = 0; o < outer; o++) out.values.set(src.subarray(o * row, (o + 1) * row), o * outRow + offset);
  });
  return out.info;
}

/**
 * Slice of a float32 tensor: one block copy per run of contiguous elements. The cpu kernel shares
 * the storage when the slice is one run (kept: no copy at all) and otherwise copies element by
 * element through index arithmetic, ~100x slower than a block copy.
 */
function slice({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs;
  if (!allFloat32(x) || x.shape.length === 0) return null;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x,
    attrs?.begin as number | number[],
    attrs?.size as number | number[],
  );
  // Out-of-range slices: let the cpu kernel raise tfjs' error.
  if (begin.some((b, d) => b < 0 || size[d] < 0 || b + size[d] > x.shape[d])) return null;
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
  const rank = x.shape.length;
  const strides = stridesOf(x.shape);
  // Dimensions after `inner` are taken whole, so each run is size[inner] * strides[inner] values.
  let inner = rank - 1;
  while (inner > 0 && size[inner] === x.shape[inner]) inner--;
  const run = size[inner] * strides[inner];
  const runs = product(size, 0, inner);
  const src = backend.f32(x);
  const out = backend.output(size);
  const index = new Array<number>(inner).fill(0); // position among the runs, dimensions 0..inner-1
  let from = begin.reduce((o, b, d) => o + b * strides[d], 0);
  for (let r = 0; r < runs; r++) {
    if (run >= 16) out.values.set(src.subarray(from, from + run), r * run);
    else for (let j = 0; j < run; j++) out.values[r * run + j] = src[from + j];
    // Next run: increment the innermost index that has room, resetting the ones after it.
    for (let d = inner - 1; d >= 0; d--) {
      if (++index[d] < size[d]) {
        from += strides[d];
        break;
      }
      index[d] = 0;
      from -= (size[d] - 1) * strides[d];
    }
  }
  return out.info;
}

// inputs {buffer, update} (one dtype, float32 or int32), attrs {axis, offset} -> buffer with update
// written at offset along axis (contract: ops/write_into.ts). In place when no other tensor shares the
// buffer's storage, so a KV cache's append copies the new positions only.
function writeInto({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { buffer, update } = inputs;
  const axis = attrs?.axis as number;
  const offset = attrs?.offset as number;
  checkWriteInto(buffer.shape, update.shape, buffer.dtype, update.dtype, axis, offset);
  need(
    buffer.dtype === 'float32' || buffer.dtype === 'int32',
    () => `MdWriteInto: expected float32 or int32 tensors, got ${buffer.dtype}`,
  );
  const { info, values: dst } = writable(backend, buffer, buffer.dtype as 'float32' | 'int32');
  const src = update.dtype === 'int32' ? backend.i32(update) : backend.f32(update);
  const inner = product(buffer.shape, axis + 1);
  const outer = product(buffer.shape, 0, axis);
  const block = update.shape[axis] * inner; // one outer index's values of update
  const stride = buffer.shape[axis] * inner;
  for (let o = 0; o < outer; o++) dst.set(src.subarray(o * block, (o + 1) * block), o * stride + offset * inner);
  return info;
}

export const LAYOUT_KERNELS: NativeKernel[] = [
  { name: 'Concat', run: concat },
  { name: 'Slice', run: slice },
  { name: 'Transpose', run: transpose },
  { name: 'GatherV2', run: gatherV2 },
  { name: 'UnsortedSegmentSum', run: unsortedSegmentSum },
];

/** The layout kernels of core/src/ops (no cpu kernel of that name). */
export const LAYOUT_FUSED_KERNELS: NativeKernel[] = [{ name: FUSED_KERNELS.writeInto, run: writeInto }];
