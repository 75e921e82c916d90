// The bf16-weight kernels of core/src/ops/bf16.ts on the native backend: MdMatMulBf16 (decode-sized
// products as dot products over the bf16 rows, larger ones through float32 panels and the SGEMM)
// and MdGatherBf16 (embedding rows widened). Contract: ops/bf16.ts.
import type { tf } from '../../../tf';
import { FUSED_KERNELS } from '../../../ops/fused';
import { need, product, rowCount } from '../../kernel_checks';
import type { KernelArgs, NativeKernel } from './kernel_util';

// inputs {x float32 [..., k], weight int32 [n, k/2], bias? float32 [n]} -> float32 [..., n].
function matMulBf16({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, weight, bias } = inputs;
  const k = x.shape[x.shape.length - 1];
  const [n, halfK] = weight.shape;
  need(
    x.dtype === 'float32' && weight.dtype === 'int32' && x.shape.length >= 1 && halfK * 2 === k,
    () =>
      `MdMatMulBf16: x float32 [..., k] and weight int32 [n, k/2], got ${x.dtype} [${x.shape}], ${weight.dtype} [${weight.shape}]`,
  );
  need(
    !bias || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === n),
    () => `MdMatMulBf16: bias float32 [${n}], got ${bias?.dtype} [${bias?.shape}]`,
  );
  const m = rowCount(x.shape);
  const out = backend.output([...x.shape.slice(0, -1), n]);
  backend.addon.matMulBf16(
    backend.f32(x),
    backend.i32(weight),
    out.values,
    m,
    n,
    k,
    bias ? backend.f32(bias) : undefined,
  );
  return out.info;
}

// inputs {table int32 [rows, h/2], indices int32 [count]} -> float32 [count, h].
function gatherBf16({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { table, indices } = inputs;
  const [rows, half] = table.shape;
  need(
    table.dtype === 'int32' && table.shape.length === 2 && indices.shape.length === 1,
    () =>
      `MdGatherBf16: table int32 [rows, h/2] and indices [n], got ${table.dtype} [${table.shape}], [${indices.shape}]`,
  );
  const count = product(indices.shape);
  const out = backend.output([count, half * 2]);
  backend.addon.gatherBf16(backend.i32(table), backend.i32(indices), out.values, rows, half * 2);
  return out.info;
}

export const BF16_NATIVE_KERNELS: NativeKernel[] = [
  { name: FUSED_KERNELS.linearBf16, run: matMulBf16 },
  { name: FUSED_KERNELS.gatherBf16, run: gatherBf16 },
];
