// One computation per kernel the cuda backend implements (and the gradients of the fused ops),
// on seeded inputs with odd sizes, broadcasting, transposes and non-contiguous axes. Each case is
// run on the cuda backend and on tfjs' cpu backend (the reference: same tfjs op, its own kernels)
// by cuda_backend.test.ts and by the GPU check (benchmarks/gpu).
import {
  adamwStep,
  applyRope,
  causalAttention,
  crossEntropySum,
  globalNormSq,
  linear,
  linearCrossEntropySum,
  rmsNorm,
  swiglu,
  writeInto,
} from '../../ops';
import { seededValues } from '../../ops/op_test_helpers';
import { tf } from '../../tf';

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

export interface KernelCase {
  name: string;
  inputs: HostTensor[];
  f: (...xs: tf.Tensor[]) => tf.Tensor;
  /** largest |got − want| / (1 + |want|) accepted */
  tol: number;
}

let seed = 11;
function rand(shape: number[], scale = 1): HostTensor {
  return {
    values: seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed++,
      scale,
    ),
    shape,
    dtype: 'float32',
  };
}
function positive(shape: number[]): HostTensor {
  const t = rand(shape);
  t.values = t.values.map((v) => Math.abs(v) + 0.1);
  return t;
}
/** Rows whose argmax needs care: a tie (5), NaN first (0), NaN before the max (20), all -inf (0),
 *  -inf then NaNs (0), the max in the last value (39). */
function argmaxEdgeRows(): HostTensor {
  const cols = 40;
  const rows = [
    (j: number) => (j === 5 || j === 30 ? 3 : 0),
    (j: number) => (j === 0 ? Number.NaN : 1),
    (j: number) => (j === 7 ? Number.NaN : j === 20 ? 2 : 0),
    () => Number.NEGATIVE_INFINITY,
    (j: number) => (j === 0 ? Number.NEGATIVE_INFINITY : Number.NaN),
    (j: number) => (j === cols - 1 ? 0 : -1),
  ];
  const values = Float32Array.from(rows.flatMap((f) => Array.from({ length: cols }, (_, j) => f(j))));
  return { values, shape: [rows.length, cols], dtype: 'float32' };
}
function ints(values: number[], shape = [values.length]): HostTensor {
  return { values: Int32Array.from(values), shape, dtype: 'int32' };
}

/** All gradients of sum(f(xs)·r) flattened into one vector, so one comparison covers them. */
function gradsOf(f: (...xs: tf.Tensor[]) => tf.Tensor, wrt: number): (...xs: tf.Tensor[]) => tf.Tensor {
  return (...xs: tf.Tensor[]) => {
    const target = xs.slice(0, wrt);
    const rest = xs.slice(wrt);
    const loss = (...ts: tf.Tensor[]) => {
      const y = f(...ts, ...rest);
      const r = tf.tensor(seededValues(y.size, 5), y.shape);
      return tf.sum(tf.mul(y, r));
    };
    const grads = tf.grads(loss)(target);
    return tf.concat(
      grads.map((g) => tf.reshape(g, [-1])),
      0,
    );
  };
}

export function kernelCases(): KernelCase[] {
  seed = 11;
  const segIds = ints([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1], [2, 12]);
  // Packed examples of 30, 25 and 15 tokens, then left padding (its own segment) before 64 tokens.
  const segIds70 = ints(
    [
      ...Array.from({ length: 70 }, (_, i) => (i < 30 ? 0 : i < 55 ? 1 : 2)),
      ...Array.from({ length: 70 }, (_, i) => (i < 6 ? 9 : 0)),
    ],
    [2, 70],
  );
  const segIds10 = ints([0, 0, 1, 1, 1, 1, 1, 9, 9, 9, 1, 1, 1, 1, 2, 2, 2, 9, 9, 9], [2, 10]);
  return [
    { name: 'Add broadcast', inputs: [rand([3, 1, 5]), rand([4, 5])], f: (a, b) => tf.add(a, b), tol: 1e-6 },
    {
      name: 'Add int32',
      inputs: [ints([1, 2, 3, 4, 5, 6], [2, 3]), ints([10, 20, 30])],
      f: (a, b) => tf.cast(tf.add(a, b), 'float32'),
      tol: 0,
    },
    { name: 'Sub scalar', inputs: [rand([7, 3]), rand([])], f: (a, b) => tf.sub(a, b), tol: 1e-6 },
    { name: 'Multiply', inputs: [rand([2, 3, 4]), rand([2, 1, 4])], f: (a, b) => tf.mul(a, b), tol: 1e-6 },
    { name: 'RealDiv', inputs: [rand([5, 6]), positive([6])], f: (a, b) => tf.div(a, b), tol: 1e-6 },
    {
      name: 'Square Cos Sin Floor',
      inputs: [rand([33], 4)],
      f: (x) => tf.concat([tf.square(x), tf.cos(x), tf.sin(x), tf.floor(x)]),
      tol: 1e-6,
    },
    {
      name: 'Exp Neg Sqrt Rsqrt Sigmoid Log Tanh Abs',
      inputs: [positive([17])],
      f: (x) =>
        tf.concat([tf.exp(x), tf.neg(x), tf.sqrt(x), tf.rsqrt(x), tf.sigmoid(x), tf.log(x), tf.tanh(x), tf.abs(x)]),
      tol: 1e-6,
    },
    {
      name: 'Cast float->int->float',
      inputs: [rand([9], 5)],
      f: (x) => tf.cast(tf.cast(x, 'int32'), 'float32'),
      tol: 0,
    },
    {
      name: 'Range',
      inputs: [rand([1])],
      f: () => tf.concat([tf.cast(tf.range(0, 7, 1, 'int32'), 'float32'), tf.range(3, -2, -0.5)]),
      tol: 1e-6,
    },
    {
      name: 'Reshape ExpandDims Identity',
      inputs: [rand([4, 6])],
      f: (x) => tf.add(tf.expandDims(tf.reshape(x, [2, 12]), 1), tf.clone(x).reshape([2, 1, 12])),
      tol: 1e-6,
    },
    { name: 'Transpose 4-D', inputs: [rand([2, 3, 4, 5])], f: (x) => tf.transpose(x, [0, 2, 1, 3]), tol: 0 },
    { name: 'Transpose 2-D', inputs: [rand([7, 3])], f: (x) => tf.transpose(x), tol: 0 },
    { name: 'Slice', inputs: [rand([4, 5, 6])], f: (x) => tf.slice(x, [1, 0, 2], [2, -1, 3]), tol: 0 },
    {
      name: 'SplitV',
      inputs: [rand([3, 10])],
      f: (x) => {
        const [a, b, c] = tf.split(x, [2, 5, 3], 1);
        return tf.concat([tf.reshape(c, [-1]), tf.reshape(a, [-1]), tf.reshape(b, [-1])]);
      },
      tol: 0,
    },
    {
      name: 'Concat axis 1',
      inputs: [rand([2, 3, 4]), rand([2, 1, 4]), rand([2, 2, 4])],
      f: (a, b, c) => tf.concat([a, b, c], 1),
      tol: 0,
    },
    {
      name: 'Pack scalars, Pack axis 1',
      inputs: [rand([]), rand([]), rand([2, 3]), rand([2, 3])],
      f: (a, b, c, d) => tf.concat([tf.stack([a, b]), tf.reshape(tf.stack([c, d], 1), [-1])]),
      tol: 0,
    },
    { name: 'Tile', inputs: [rand([2, 3])], f: (x) => tf.tile(x, [3, 2]), tol: 0 },
    { name: 'Sum axis 1', inputs: [rand([3, 4, 5])], f: (x) => tf.sum(x, 1), tol: 1e-6 },
    { name: 'Sum axes 0,2 (transposed first)', inputs: [rand([3, 4, 5])], f: (x) => tf.sum(x, [0, 2]), tol: 1e-6 },
    {
      name: 'Sum all, keepDims last',
      inputs: [rand([6, 7])],
      f: (x) => tf.concat([tf.reshape(tf.sum(x), [1]), tf.reshape(tf.sum(x, -1, true), [-1])]),
      tol: 1e-6,
    },
    {
      name: 'Sum int32',
      inputs: [ints([1, 2, 3, 4, 5, 6], [2, 3])],
      f: (x) => tf.cast(tf.sum(x, 0), 'float32'),
      tol: 0,
    },
    {
      name: 'Max Min Mean',
      inputs: [rand([4, 9])],
      f: (x) => tf.concat([tf.max(x, 1), tf.min(x, 0), tf.mean(x, 1)]),
      tol: 1e-6,
    },
    {
      name: 'ArgMax last axis (edge rows: ties, NaN, -inf)',
      inputs: [rand([3, 5, 1500]), argmaxEdgeRows()],
      f: (x, edges) =>
        tf.concat([tf.cast(tf.reshape(tf.argMax(x, -1), [-1]), 'float32'), tf.cast(tf.argMax(edges, -1), 'float32')]),
      tol: 0,
    },
    {
      name: 'GatherV2 rows',
      inputs: [rand([10, 4]), ints([3, 0, 9, 3, 1, 2], [3, 2])],
      f: (x, i) => tf.gather(x, i),
      tol: 0,
    },
    { name: 'GatherV2 axis 1', inputs: [rand([3, 5, 2]), ints([4, 0])], f: (x, i) => tf.gather(x, i, 1), tol: 0 },
    {
      name: 'UnsortedSegmentSum',
      inputs: [rand([6, 3]), ints([2, 0, 2, 1, 0, 2])],
      f: (x, s) => tf.unsortedSegmentSum(x, s as tf.Tensor1D, 4),
      tol: 1e-6,
    },
    { name: 'MatMul', inputs: [rand([5, 7]), rand([7, 3])], f: (a, b) => tf.matMul(a, b), tol: 1e-5 },
    {
      name: 'MatMul transposeA',
      inputs: [rand([7, 5]), rand([7, 3])],
      f: (a, b) => tf.matMul(a, b, true, false),
      tol: 1e-5,
    },
    {
      name: 'MatMul transposeB',
      inputs: [rand([5, 7]), rand([3, 7])],
      f: (a, b) => tf.matMul(a, b, false, true),
      tol: 1e-5,
    },
    {
      name: 'MatMul both transposed',
      inputs: [rand([7, 5]), rand([3, 7])],
      f: (a, b) => tf.matMul(a, b, true, true),
      tol: 1e-5,
    },
    { name: 'BatchMatMul 3-D', inputs: [rand([4, 5, 6]), rand([4, 6, 3])], f: (a, b) => tf.matMul(a, b), tol: 1e-5 },
    {
      name: 'BatchMatMul shared weight',
      inputs: [rand([2, 3, 5, 6]), rand([6, 4])],
      f: (a, b) => tf.matMul(a, b),
      tol: 1e-5,
    },
    // tfjs' cpu kernel pairs batches by `index % batch` instead of broadcasting per axis, so only
    // patterns where the two agree are compared ([2, 1] by [3] differs; the cuda kernel broadcasts).
    {
      name: 'BatchMatMul broadcast batch',
      inputs: [rand([1, 3, 4]), rand([2, 4, 5])],
      f: (a, b) => tf.matMul(a, b),
      tol: 1e-5,
    },
    {
      name: 'BatchMatMul 2-D by batched',
      inputs: [rand([3, 4]), rand([2, 4, 5])],
      f: (a, b) => tf.matMul(a, b),
      tol: 1e-5,
    },
    {
      name: 'MdLinear with bias',
      inputs: [rand([2, 3, 5]), rand([4, 5]), rand([4])],
      f: (x, w, b) => linear(x, w, b),
      tol: 1e-5,
    },
    {
      name: 'MdLinear with bias, grads',
      inputs: [rand([2, 3, 5]), rand([4, 5]), rand([4])],
      f: gradsOf((x, w, b) => linear(x, w, b), 3),
      tol: 1e-4,
    },
    {
      name: 'MdLinear 2-D, grads',
      inputs: [rand([7, 6]), rand([3, 6])],
      f: gradsOf((x, w) => linear(x, w), 2),
      tol: 1e-4,
    },
    { name: 'MdRMSNorm', inputs: [rand([3, 4, 16]), rand([16])], f: (x, w) => rmsNorm(x, w, 1e-6), tol: 1e-5 },
    {
      name: 'MdRMSNorm grads',
      inputs: [rand([3, 4, 16]), rand([16])],
      f: gradsOf((x, w) => rmsNorm(x, w, 1e-6), 2),
      tol: 1e-4,
    },
    {
      name: 'MdRope',
      inputs: [rand([2, 3, 5, 8]), rand([2, 5, 4]), rand([2, 5, 4])],
      f: (x, c, s) => applyRope(x, c, s),
      tol: 1e-5,
    },
    {
      name: 'MdRope shared cos/sin, grads',
      inputs: [rand([2, 3, 5, 8]), rand([1, 5, 4]), rand([1, 5, 4])],
      f: gradsOf((x, c, s) => applyRope(x, c, s), 3),
      tol: 1e-4,
    },
    { name: 'MdSwiGLU', inputs: [rand([4, 10], 3), rand([4, 10])], f: (g, u) => swiglu(g, u), tol: 1e-5 },
    {
      name: 'MdSwiGLU grads',
      inputs: [rand([4, 10], 3), rand([4, 10])],
      f: gradsOf((g, u) => swiglu(g, u), 2),
      tol: 1e-4,
    },
    {
      name: 'MdCausalAttention GQA',
      inputs: [rand([2, 4, 6, 8]), rand([2, 2, 6, 8]), rand([2, 2, 6, 8])],
      f: (q, k, v) => causalAttention(q, k, v),
      tol: 1e-5,
    },
    {
      name: 'MdCausalAttention KV offset (s < t)',
      inputs: [rand([1, 4, 3, 16]), rand([1, 1, 9, 16]), rand([1, 1, 9, 16])],
      f: (q, k, v) => causalAttention(q, k, v),
      tol: 1e-5,
    },
    {
      name: 'MdCausalAttention in a KV cache buffer (keyLength 7 of 10), segments',
      inputs: [rand([2, 2, 2, 8]), rand([2, 1, 10, 8]), rand([2, 1, 10, 8]), segIds10],
      f: (q, k, v, seg) => causalAttention(q, k, v, { segmentIds: seg, keyLength: 7 }),
      tol: 1e-5,
    },
    {
      name: 'MdCausalAttention segments, grads',
      inputs: [rand([2, 2, 12, 8]), rand([2, 1, 12, 8]), rand([2, 1, 12, 8]), segIds],
      f: gradsOf((q, k, v, seg) => causalAttention(q, k, v, { segmentIds: seg }), 3),
      tol: 1e-4,
    },
    {
      name: 'MdCausalAttention head dim 64, grads',
      inputs: [rand([1, 2, 5, 64]), rand([1, 2, 5, 64]), rand([1, 2, 5, 64])],
      f: gradsOf((q, k, v) => causalAttention(q, k, v), 3),
      tol: 1e-4,
    },
    // Shapes of the chunked path (cuda: from 4 query rows up, cuBLAS products a chunk of rows at a
    // time; the GPU check reruns these with MIXDISTILL_CUDA_ATTENTION_ROWS=16, i.e. several chunks).
    {
      name: 'MdCausalAttention GQA 70 rows, head dim 64, segments, grads',
      inputs: [rand([2, 4, 70, 64]), rand([2, 2, 70, 64]), rand([2, 2, 70, 64]), segIds70],
      f: gradsOf((q, k, v, seg) => causalAttention(q, k, v, { segmentIds: seg }), 3),
      tol: 1e-4,
    },
    {
      name: 'MdCausalAttention KV offset (20 of 33 rows), head dim 128',
      inputs: [rand([1, 6, 20, 128]), rand([1, 2, 33, 128]), rand([1, 2, 33, 128])],
      f: (q, k, v) => causalAttention(q, k, v),
      tol: 1e-5,
    },
    {
      name: 'MdWriteInto (a KV cache append)',
      inputs: [rand([2, 1, 6, 8]), rand([2, 1, 1, 8])],
      f: (buffer, update) => writeInto(tf.clone(buffer), update, 2, 4),
      tol: 0,
    },
    {
      name: 'MdCrossEntropySum',
      inputs: [rand([5, 11], 3), ints([3, -100, 0, 10, 7])],
      f: (x, l) => crossEntropySum(x, l),
      tol: 1e-5,
    },
    {
      name: 'MdCrossEntropySum grads',
      inputs: [rand([5, 11], 3), ints([3, -100, 0, 10, 7])],
      f: gradsOf((x, l) => tf.mul(crossEntropySum(x, l), 0.5), 1),
      tol: 1e-4,
    },
    // Row counts that MIXDISTILL_CUDA_LOSS_ROWS=4 splits into chunks of 4, 4, 4 and a partial 1.
    {
      name: 'MdLinearCrossEntropySum',
      inputs: [rand([13, 6]), rand([19, 6], 2), ints([3, -100, 0, 18, 7, 7, 1, -100, 12, 5, 0, 9, 2])],
      f: (x, w, l) => linearCrossEntropySum(x, w, l),
      tol: 1e-5,
    },
    {
      name: 'MdLinearCrossEntropySum grads',
      inputs: [rand([13, 6]), rand([19, 6], 2), ints([3, -100, 0, 18, 7, 7, 1, -100, 12, 5, 0, 9, 2])],
      f: gradsOf((x, w, l) => tf.mul(linearCrossEntropySum(x, w, l), 0.5), 2),
      tol: 1e-4,
    },
    // The optimiser kernels against the tfjs composition the cpu backend runs (adamwStepUnfused,
    // globalNormSqUnfused). The first AdamW case may update in place; the clone in the second
    // shares the parameter's storage, so the kernel must write a copy instead.
    {
      name: 'MdAdamW (in place)',
      inputs: [rand([5, 7]), rand([5, 7]), rand([5, 7], 0.1), positive([5, 7])],
      f: (p, g, m, v) => adamwFlat(p, g, m, v, 3),
      tol: 1e-5,
    },
    {
      name: 'MdAdamW (shared storage, clipped, no decay)',
      inputs: [rand([33]), rand([33], 4), rand([33], 0.1), positive([33])],
      f: (p, g, m, v) => {
        const shared = tf.clone(p);
        return tf.concat([adamwFlat(p, g, m, v, 1, 0.25, 0), tf.reshape(shared, [-1])]);
      },
      tol: 1e-5,
    },
    {
      name: 'MdGlobalNormSq',
      inputs: [rand([4, 9]), rand([17], 3), rand([0]), rand([2, 3, 5])],
      f: (a, b, c, d) => tf.reshape(globalNormSq([a, b, c, d]), [1]),
      tol: 1e-6,
    },
  ];
}

/** [param', m', v'] of one AdamW step, flattened into one vector. */
function adamwFlat(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  step: number,
  gradScale = 1,
  weightDecay = 0.1,
): tf.Tensor {
  const hp = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay, step, gradScale };
  return tf.concat(adamwStep(p, g, m, v, hp).map((t) => tf.reshape(t, [-1])));
}

/** Runs f on `backend` with tensors made from `inputs`; returns the output's values and shape. */
export async function runOn(
  backend: string,
  inputs: HostTensor[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  const xs = inputs.map((h) => tf.tensor(h.values.slice(), h.shape, h.dtype));
  try {
    const out = tf.tidy(() => f(...xs));
    const values = Float32Array.from(await out.data());
    const shape = out.shape;
    out.dispose();
    return { values, shape };
  } finally {
    xs.forEach((x) => x.dispose());
  }
}

/** Largest |a − b| / (1 + |b|) (Infinity for NaN or a length mismatch). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Runs every case on `backend` against cpu; one line per case. */
export async function compareWithCpu(
  backend: string,
): Promise<{ name: string; maxRelDiff: number; tol: number; ok: boolean; error?: string }[]> {
  const results = [];
  for (const c of kernelCases()) {
    try {
      const want = await runOn('cpu', c.inputs, c.f);
      const got = await runOn(backend, c.inputs, c.f);
      const diff = got.shape.join() === want.shape.join() ? maxRelDiff(got.values, want.values) : Infinity;
      results.push({ name: c.name, maxRelDiff: diff, tol: c.tol, ok: diff <= Math.max(c.tol, 1e-7) });
    } catch (err) {
      results.push({
        name: c.name,
        maxRelDiff: Infinity,
        tol: c.tol,
        ok: false,
        error: err instanceof Error ? err.message.split('\n')[0] : String(err),
      });
    }
  }
  return results;
}
