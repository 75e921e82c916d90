// BatchMatMul (and _FusedMatMul without activation) on the addon's packed SGEMM, with bfloat16
// operands when the backend's precision is bf16.
import { tf } from '../../../tf';
import { allFloat32, product, type KernelArgs, type NativeKernel } from './kernel_util';

/** a [...batchA, m, k] · b [...batchB, k, n] with tfjs' broadcasting of the batch dimensions. */
function batchMatMul(args: KernelArgs): tf.TensorInfo | null {
  const { backend } = args;
  const { a, b } = args.inputs;
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  if (!allFloat32(a, b) || a.shape.length < 2 || b.shape.length < 2) return null;
  const ra = a.shape.length,
    rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null; // the cpu kernel raises tfjs' own error message
  const batchA = a.shape.slice(0, -2),
    batchB = b.shape.slice(0, -2);
  let outBatch: number[];
  try {
    outBatch = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  } catch {
    return null;
  }
  const batch = product(outBatch);
  // Matrix index of each output matrix in a and b under broadcasting.
  const aIndex = new Int32Array(batch),
    bIndex = new Int32Array(batch);
  const rank = outBatch.length;
  for (let i = 0; i < batch; i++) {
    let rem = i,
      ai = 0,
      bi = 0,
      aMul = 1,
      bMul = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const coord = rem % outBatch[d];
      rem = Math.floor(rem / outBatch[d]);
      const da = d - (rank - batchA.length),
        db = d - (rank - batchB.length);
      if (da >= 0) {
        if (batchA[da] !== 1) ai += coord * aMul;
        aMul *= batchA[da];
      }
      if (db >= 0) {
        if (batchB[db] !== 1) bi += coord * bMul;
        bMul *= batchB[db];
      }
    }
    aIndex[i] = ai;
    bIndex[i] = bi;
  }
  const out = backend.output([...outBatch, m, n]);
  backend.addon.batchMatMul(
    backend.f32(a),
    backend.f32(b),
    out.values,
    batch,
    m,
    n,
    k,
    transposeA,
    transposeB,
    aIndex,
    bIndex,
    backend.precision === 'bf16',
  );
  return out.info;
}

/** _FusedMatMul with no activation and no bias is a plain product (tf.fused.matMul without extras). */
function fusedMatMul(args: KernelArgs): tf.TensorInfo | null {
  const { bias, preluActivationWeights } = args.inputs;
  const activation = (args.attrs?.activation as string | undefined) ?? 'linear';
  if (bias != null || preluActivationWeights != null || activation !== 'linear') return null;
  return batchMatMul(args);
}

export const MATMUL_KERNELS: NativeKernel[] = [
  { name: 'BatchMatMul', run: batchMatMul },
  { name: '_FusedMatMul', run: fusedMatMul },
];
