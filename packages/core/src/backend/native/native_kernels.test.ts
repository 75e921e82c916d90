// Every native kernel against tfjs' cpu backend on random shapes, odd sizes, broadcasting and
// transposes (the cpu kernels are the reference: same inputs, same tfjs op).
import { describe, expect, it } from 'vitest';
import { tf } from '../../tf';
import { seededValues } from '../../ops/op_test_helpers';
import { loadAddon } from './addon';
import type { NativeBackend } from './native_backend';
import { ADDON_BUILT, SKIP_REASON, f32, maxRelDiff, runOn, type HostTensor } from './test_helpers';

let seed = 1;
function rand(shape: number[], scale = 1): HostTensor {
  return f32(
    shape,
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed++,
      scale,
    ),
  );
}
function positive(shape: number[]): HostTensor {
  const t = rand(shape);
  t.values = t.values.map((v) => Math.abs(v) + 0.05);
  return t;
}

async function expectSame(inputs: HostTensor[], f: (...xs: tf.Tensor[]) => tf.Tensor, tol = 1e-5): Promise<void> {
  const want = await runOn('cpu', inputs, f);
  const got = await runOn('native', inputs, f);
  expect(got.shape).toEqual(want.shape);
  expect(maxRelDiff(got.values, want.values)).toBeLessThanOrEqual(tol);
}

describe.skipIf(!ADDON_BUILT)(`native kernels match the cpu backend${SKIP_REASON}`, () => {
  it('runs the kernel table MIXDISTILL_ISA asks for (isa_paths.test.ts sets it)', () => {
    const forced = process.env.MIXDISTILL_ISA;
    if (forced) expect(loadAddon().info().isa).toBe(forced);
  });

  it('registers every kernel the cpu backend has', () => {
    const native = new Set(tf.getKernelsForBackend('native').map((k) => k.kernelName));
    const missing = tf
      .getKernelsForBackend('cpu')
      .map((k) => k.kernelName)
      .filter((name) => !native.has(name));
    expect(missing).toEqual([]);
  });

  it('runs the addon (not the cpu fallback) for float32 inputs', async () => {
    await tf.setBackend('native');
    const addon = (tf.backend() as NativeBackend).addon as unknown as Record<string, (...args: unknown[]) => unknown>;
    const calls = new Map<string, number>();
    const names = [
      'batchMatMul',
      'binary',
      'unary',
      'reduce',
      'softmax',
      'argMaxRows',
      'transpose',
      'gather',
      'segmentSum',
    ];
    const originals = names.map((n) => addon[n]);
    names.forEach((n, i) => {
      addon[n] = (...args: unknown[]) => {
        calls.set(n, (calls.get(n) ?? 0) + 1);
        return originals[i](...args);
      };
    });
    try {
      tf.tidy(() => {
        const x = tf.ones([3, 4]);
        const idx = tf.tensor1d([0, 2], 'int32');
        [
          tf.matMul(x, x, false, true),
          tf.add(x, x),
          tf.sub(x, x),
          tf.mul(x, x),
          tf.div(x, x),
          tf.maximum(x, x),
          tf.minimum(x, x),
          tf.squaredDifference(x, x),
          tf.pow(x, x),
          tf.exp(x),
          tf.sum(x, -1),
          tf.mean(x, 0),
          tf.max(x, 1),
          tf.min(x, 1),
          tf.softmax(x),
          tf.argMax(x, -1),
          tf.transpose(x),
          tf.gather(x, idx),
          tf.unsortedSegmentSum(x, tf.tensor1d([0, 1, 1], 'int32'), 2),
        ];
      });
    } finally {
      names.forEach((n, i) => (addon[n] = originals[i]));
    }
    // Concat copies with TypedArray.set; its output storage coming from the pool shows it ran.
    const backend = tf.backend() as NativeBackend;
    const joined = tf.concat([tf.ones([2, 3]), tf.ones([2, 1])], 1);
    expect(backend.pool.owns(backend.data.get(joined.dataId).values)).toBe(true);
    joined.dispose();
    expect(Object.fromEntries(calls)).toEqual({
      batchMatMul: 1,
      binary: 8,
      unary: 1,
      reduce: 4,
      softmax: 1,
      argMaxRows: 1,
      transpose: 1,
      gather: 1,
      segmentSum: 1,
    });
  });

  it('BatchMatMul: odd sizes, every transpose, small-M paths, broadcast batches', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[1, 1], [1, 1], false, false],
      [[7, 17], [17, 33], false, false],
      [[17, 7], [17, 33], true, false],
      [[7, 17], [33, 17], false, true],
      [[17, 7], [33, 17], true, true],
      [[1, 100], [100, 37], false, false], // one row: streamed B
      [[3, 100], [37, 100], false, true], // few rows, transposed B: dot products
      [[33, 300], [300, 100], false, false], // several K blocks and M/N edges
      [[2, 13, 9], [2, 9, 70], false, false],
      [[4, 5, 6], [6, 3], false, false],
      // Packing paths: k contiguous in 16 x 16 transposed blocks with a k tail and partial panels.
      [[29, 53], [53, 45], false, false],
      [[67, 53], [45, 53], false, true],
      // Threaded: strips along N (A packed once), strips along M (B packed once), K in chunks.
      [[150, 700], [530, 700], false, true],
      [[530, 300], [300, 50], false, false],
      [[300, 530], [50, 300], true, true],
      [[70, 5200], [80, 5200], false, true],
      // Up to 16 rows times a transposed weight: up to 4 rows one W row at a time (one row with
      // four accumulators: k past whole 4-vector steps, single vectors and a tail), more in 4-row
      // groups, 8 or 4 columns at a time, k tails shorter than 16, a strided (transposed) A,
      // threaded column ranges.
      [[1, 7], [5, 7], false, true],
      [[1, 1000], [300, 1000], false, true],
      [[4, 77], [9, 77], false, true],
      [[2, 35], [19, 35], false, true],
      [[7, 100], [45, 100], false, true],
      [[300, 5], [37, 300], true, true],
      [[16, 333], [530, 333], false, true],
      [[3, 2, 70], [29, 70], false, true],
      // 9-16 rows on AVX2: outer-product tiles of 6 W rows over A transposed to [K, 16], so W row
      // counts that leave every remainder 1-5 after whole tiles, K of one value, K tails, a
      // strided A, batches of 9-row matrices and threaded column ranges (grain 66).
      [[9, 1], [7, 1], false, true],
      [[10, 20], [8, 20], false, true],
      [[11, 37], [9, 37], false, true],
      [[12, 16], [10, 16], false, true],
      [[13, 130], [11, 130], false, true],
      [[33, 15], [17, 33], true, true],
      [[2, 9, 70], [29, 70], false, true],
      [[16, 1040], [202, 1040], false, true],
      // 17-64 rows times a transposed weight on AVX2: a product per 16 rows and one of the rest
      // (16 + 4 on threads, 16 + 13, a strided A in 16 + 16 + 1, batches of 40 rows, 4 x 16).
      [[20, 5200], [40, 5200], false, true],
      [[29, 53], [45, 53], false, true],
      [[40, 33], [19, 40], true, true],
      [[2, 40, 24], [30, 24], false, true],
      [[64, 70], [50, 70], false, true],
    ];
    for (const [as, bs, ta, tb] of cases) {
      // Both sides round each dot product in float32, in different orders: the difference grows
      // like a random walk, with the square root of K.
      const k = ta ? as[as.length - 2] : as[as.length - 1];
      await expectSame([rand(as), rand(bs)], (a, b) => tf.matMul(a, b, ta, tb), 1e-5 * Math.max(1, Math.sqrt(k / 50)));
    }
    // Batch broadcasting: tfjs' cpu kernel returns too few values for [2,1,5,7]·[3,7,4], so the
    // reference broadcasts the operands explicitly first.
    const a = rand([2, 1, 5, 7]),
      b = rand([3, 7, 4]);
    const want = await runOn('cpu', [a, b], (x, y) =>
      tf.matMul(tf.broadcastTo(x, [2, 3, 5, 7]), tf.broadcastTo(y, [2, 3, 7, 4])),
    );
    const got = await runOn('native', [a, b], (x, y) => tf.matMul(x, y));
    expect(got.shape).toEqual([2, 3, 5, 4]);
    expect(maxRelDiff(got.values, want.values)).toBeLessThan(1e-5);
  });

  it('binary ops with broadcasting', async () => {
    const shapes: [number[], number[]][] = [
      [
        [7, 17],
        [7, 17],
      ],
      [[7, 17], [17]],
      [
        [2, 1, 33],
        [1, 5, 1],
      ],
      [[100], []],
      [[], [3, 4]],
      [
        [3, 1],
        [1, 1, 4],
      ],
      [
        [2, 3, 4, 5],
        [3, 1, 5],
      ],
    ];
    const ops: ((a: tf.Tensor, b: tf.Tensor) => tf.Tensor)[] = [
      tf.add,
      tf.sub,
      tf.mul,
      tf.maximum,
      tf.minimum,
      tf.squaredDifference,
    ];
    for (const [as, bs] of shapes) {
      for (const op of ops) await expectSame([rand(as), rand(bs)], op);
      await expectSame([rand(as), positive(bs)], tf.div);
      await expectSame([positive(as), rand(bs)], tf.pow, 1e-5);
    }
  });

  it('unary ops', async () => {
    const x = rand([7, 33], 3);
    for (const op of [tf.exp, tf.neg, tf.square, tf.sigmoid, tf.relu, tf.tanh, tf.abs]) await expectSame([x], op, 2e-6);
    const p = positive([100]);
    for (const op of [tf.sqrt, tf.rsqrt, tf.log, tf.reciprocal]) await expectSame([p], op, 2e-6);
  });

  it('reductions over last, leading, middle and non-adjacent axes, with keepDims', async () => {
    const x = rand([3, 17, 33]);
    const axesList: (number | number[])[] = [-1, 0, 1, [0, 1], [1, 2], [0, 2], [0, 1, 2]];
    for (const axis of axesList) {
      for (const keepDims of [false, true]) {
        await expectSame([x], (t) => tf.sum(t, axis, keepDims), 1e-5);
        await expectSame([x], (t) => tf.mean(t, axis, keepDims), 1e-5);
        await expectSame([x], (t) => tf.max(t, axis, keepDims));
        await expectSame([x], (t) => tf.min(t, axis, keepDims));
      }
    }
    await expectSame([rand([1000])], (t) => tf.sum(t), 1e-5);
  });

  it('argMax over the last axis: lowest index among ties, NaN never beats a number, other axes', async () => {
    await expectSame([rand([3, 5, 1000])], (t) => tf.argMax(t, -1), 0);
    await expectSame([rand([3, 5, 40])], (t) => tf.argMax(t, 1), 0); // not the last axis: the cpu kernel
    const cols = 40;
    const rows: number[][] = [
      new Array<number>(cols).fill(0).map((_, i) => (i === 5 || i === 30 ? 3 : 0)), // tie: 5
      [Number.NaN, ...new Array<number>(cols - 1).fill(1)], // NaN first: 0, as a strict > scan
      new Array<number>(cols).fill(0).map((_, i) => (i === 7 ? Number.NaN : i === 20 ? 2 : 0)), // 20
      new Array<number>(cols).fill(Number.NEGATIVE_INFINITY), // 0
      [Number.NEGATIVE_INFINITY, ...new Array<number>(cols - 1).fill(Number.NaN)], // 0
      new Array<number>(cols).fill(-1).map((v, i) => (i === cols - 1 ? 0 : v)), // in the tail: 39
    ];
    const special: HostTensor = {
      values: Float32Array.from(rows.flat()),
      shape: [rows.length, cols],
      dtype: 'float32',
    };
    const want = await runOn('cpu', [special], (t) => tf.argMax(t, -1));
    const got = await runOn('native', [special], (t) => tf.argMax(t, -1));
    expect(Array.from(want.values)).toEqual([5, 0, 20, 0, 0, 39]);
    expect(Array.from(got.values)).toEqual([5, 0, 20, 0, 0, 39]);
  });

  it('slice: runs shorter and longer than 16 values, whole trailing dimensions, contiguous slices', async () => {
    const x = rand([3, 5, 4, 20]);
    const cases: [number[], number[]][] = [
      [
        [1, 2, 1, 3],
        [2, 3, 2, 5],
      ], // runs of 5 values
      [
        [0, 1, 0, 0],
        [3, 2, 4, 20],
      ], // whole trailing dimensions: runs of 160
      [
        [2, 0, 3, 0],
        [1, 5, 1, 20],
      ], // runs of 20
      [
        [0, 0, 0, 19],
        [3, 5, 4, 1],
      ], // one value per run
      [
        [1, 0, 0, 0],
        [1, 5, 4, 20],
      ], // contiguous: the cpu kernel's shared storage
      [
        [0, 0, 0, 0],
        [3, 5, 4, 20],
      ],
    ];
    for (const [begin, size] of cases) await expectSame([x], (t) => tf.slice(t, begin, size), 0);
    await expectSame([rand([7, 33])], (t) => tf.slice(t, [2, 5], [4, 17]), 0);
  });

  it('softmax, transpose, gather, unsortedSegmentSum', async () => {
    await expectSame([rand([5, 7, 33], 4)], (t) => tf.softmax(t), 1e-6);
    await expectSame([rand([1, 1])], (t) => tf.softmax(t), 1e-6);
    const x = rand([2, 3, 5, 7]);
    for (const perm of [
      [0, 2, 1, 3],
      [3, 2, 1, 0],
      [1, 0, 2, 3],
      [0, 1, 3, 2],
    ])
      await expectSame([x], (t) => tf.transpose(t, perm));
    const idx: HostTensor = { values: Int32Array.from([4, 0, 2, 2, 1]), shape: [5], dtype: 'int32' };
    const table = rand([5, 17]);
    await expectSame([table, idx], (t, i) => tf.gather(t, i as tf.Tensor1D));
    await expectSame([rand([3, 5, 4]), idx], (t, i) => tf.gather(t, i, 1));
    const rows = rand([5, 17]);
    await expectSame([rows, idx], (t, i) => tf.unsortedSegmentSum(t, i as tf.Tensor1D, 6));
    for (const axis of [0, 1, 2, -1]) {
      const shape = (n: number): number[] => [2, 3, 4].map((s, d) => (d === (axis + 3) % 3 ? n : s));
      await expectSame([rand(shape(1)), rand(shape(5)), rand(shape(2))], (a, b, c) => tf.concat([a, b, c], axis));
    }
  });

  it('gradients through native kernels (embedding lookup, matmul, broadcasting) match cpu', async () => {
    const idx: HostTensor = { values: Int32Array.from([3, 1, 3, 0]), shape: [4], dtype: 'int32' };
    const f = (table: tf.Tensor, w: tf.Tensor, bias: tf.Tensor, i: tf.Tensor): tf.Tensor =>
      tf
        .grads((tb: tf.Tensor, wt: tf.Tensor, bs: tf.Tensor) =>
          tf.sum(tf.softmax(tf.add(tf.matMul(tf.gather(tb, i), wt, false, true), bs))),
        )([table, w, bias])
        .reduce((acc, g) => tf.concat([acc, tf.reshape(g, [-1])]), tf.zeros([0]));
    await expectSame([rand([5, 9]), rand([7, 9]), rand([7]), idx], f, 1e-5);
  });
});
