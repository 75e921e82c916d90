// The cuda backend. On a machine with a GPU and cuBLAS every check runs on `cuda`; elsewhere the
// same checks run on the host-memory fake addon (`cuda-fake`), which exercises the TypeScript
// side (kernels' shapes and strides, zero-copy dataIds, the fallback, the fused contracts) but no
// device code, and the checks that need the real addon say why they are skipped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MixdistillError } from '../../errors';
import { linearCrossEntropySum } from '../../ops';
import { tf } from '../../tf';
import { BackendUnavailableError, selectBackend } from '../select';
import { cudaAddonPath } from './cuda_addon';
import type { CudaBackend } from './cuda_backend';
import { compareWithCpu } from './kernel_cases';
import { probeCuda, registerFakeCudaBackend } from './register';

const NVCC = spawnSync('nvcc', ['--version']).status === 0;
const probe = probeCuda();
const REAL = probe.ok;
/** The backend the numerical checks run on. */
if (REAL) await selectBackend('cuda');
const target = REAL ? 'cuda' : registerFakeCudaBackend();
const label = REAL ? `cuda (${probe.device})` : `cuda-fake (no GPU here: ${probe.reason.split(';')[0]})`;

describe('cuda addon build and loading', () => {
  it.skipIf(!NVCC)('is built by pnpm install when nvcc is on PATH', () => {
    // Fails when the install skipped the build silently (cuda/build.mjs printed why).
    expect(fs.existsSync(cudaAddonPath()), `${cudaAddonPath()} is missing although nvcc is on PATH`).toBe(true);
  });

  it('probes without crashing and gives a reason when unusable', () => {
    expect(typeof probe.ok).toBe('boolean');
    if (!probe.ok) {
      expect(probe.reason.length).toBeGreaterThan(0);
      expect(probe.reason).not.toContain('\n');
    }
  });

  it.skipIf(REAL)('refuses --backend cuda with one line naming the reason', async () => {
    const err = await selectBackend('cuda').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/^cuda unavailable: /);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe(`cuda kernels match the cpu backend on ${label}`, () => {
  it('every case', async () => {
    const results = await compareWithCpu(target);
    const bad = results.filter((r) => !r.ok);
    expect(bad).toEqual([]);
  });
});

describe(`the head and loss in chunks of rows on ${label}`, () => {
  it('MdLinearCrossEntropySum in chunks of 4 rows (a partial last one) matches cpu', async () => {
    process.env.MIXDISTILL_CUDA_LOSS_ROWS = '4';
    try {
      const results = await compareWithCpu(target);
      const loss = results.filter((r) => r.name.startsWith('MdLinearCrossEntropySum'));
      expect(loss.map((r) => r.name)).toEqual(['MdLinearCrossEntropySum', 'MdLinearCrossEntropySum grads']);
      expect(loss.filter((r) => !r.ok)).toEqual([]);
    } finally {
      delete process.env.MIXDISTILL_CUDA_LOSS_ROWS;
    }
  });

  it('never holds the [n, vocab] logits: device peak below one copy of them', async () => {
    await tf.setBackend(target);
    const [n, inDim, vocab] = [64, 8, 4096];
    process.env.MIXDISTILL_CUDA_LOSS_ROWS = '8';
    const backend = tf.backend() as CudaBackend;
    try {
      const x = tf.randomNormal([n, inDim]);
      const w = tf.randomNormal([vocab, inDim]);
      const labels = tf.tensor1d(
        Array.from({ length: n }, (_, i) => (i * 37) % vocab),
        'int32',
      );
      backend.resetPeakMemory();
      const before = backend.addon.memoryStats().inUse;
      const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => linearCrossEntropySum(a, b, labels))([x, w]);
      await grads[0].data();
      const peak = backend.addon.memoryStats().peak - before;
      // dWeight [vocab, in] and dx are outputs; one chunk of logits is 8 · vocab floats.
      const logitsBytes = n * vocab * 4;
      expect(peak).toBeLessThan(logitsBytes);
      expect(peak).toBeGreaterThanOrEqual((vocab * inDim + 8 * vocab) * 4);
      tf.dispose([x, w, labels, ...grads]);
    } finally {
      delete process.env.MIXDISTILL_CUDA_LOSS_ROWS;
    }
  });
});

describe('cuda math mode bf16 (on the fake addon)', () => {
  it('multiplies bfloat16-rounded operands with float32 accumulation', async () => {
    const bf16 = registerFakeCudaBackend('cuda-fake-bf16', 'bf16');
    const round = (x: Float32Array) => {
      // float32 -> bfloat16 (nearest even) -> float32 without the addon: through the bits.
      const u = new Uint32Array(Float32Array.from(x).buffer);
      for (let i = 0; i < u.length; i++) u[i] = (u[i] + 0x7fff + ((u[i] >>> 16) & 1)) & 0xffff0000;
      return new Float32Array(u.buffer);
    };
    const a = tf.randomNormal([3, 5, 7], 0, 1, 'float32', 3).dataSync() as Float32Array;
    const b = tf.randomNormal([7, 4], 0, 1, 'float32', 4).dataSync() as Float32Array;
    const product = async (backend: string, x: Float32Array, y: Float32Array) => {
      await tf.setBackend(backend);
      return tf.tidy(() => tf.matMul(tf.tensor(x, [3, 5, 7]), tf.tensor(y, [7, 4])).dataSync());
    };
    const got = await product(bf16, a, b);
    const want = await product('cpu', round(a), round(b));
    const exact = await product('cpu', a, b);
    let worst = 0,
      fromExact = 0;
    for (let i = 0; i < got.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - want[i]));
      fromExact = Math.max(fromExact, Math.abs(got[i] - exact[i]));
    }
    expect(worst).toBeLessThan(1e-5);
    expect(fromExact).toBeGreaterThan(1e-4); // bf16 keeps 8 bits of mantissa: the product does change
  });
});

describe(`cuda backend storage on ${label}`, () => {
  it('shares storage for Reshape, Identity, ExpandDims and same-dtype Cast', async () => {
    await tf.setBackend(target);
    const x = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const views = [tf.reshape(x, [3, 2]), tf.clone(x), tf.expandDims(x, 0), tf.cast(x, 'float32')];
    for (const v of views) expect(v.dataId).toBe(x.dataId);
    x.dispose();
    // The views keep the storage alive after the original is gone.
    expect(Array.from(views[0].dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    views.forEach((v) => v.dispose());
    expect((tf.backend() as CudaBackend).refCount(x.dataId)).toBe(0);
  });

  it('frees device memory when tensors are disposed', async () => {
    await tf.setBackend(target);
    const before = tf.memory() as unknown as { numBytesInGPU: number };
    tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])).dataSync());
    const after = tf.memory() as unknown as { numBytesInGPU: number };
    expect(after.numBytesInGPU).toBe(before.numBytesInGPU);
  });

  it('reads asynchronously and times with events', async () => {
    await tf.setBackend(target);
    const t = tf.tensor([1.5, -2], [2]);
    expect(Array.from(await t.data())).toEqual([1.5, -2]);
    const timing = await tf.time(() => tf.add(t, t).dispose());
    expect(timing.kernelMs).toBeGreaterThanOrEqual(0);
    t.dispose();
  });

  it('reads and writes bool tensors', async () => {
    await tf.setBackend(target);
    const b = tf.greater(tf.tensor([1, 5, 3]), tf.scalar(2));
    expect(b.dtype).toBe('bool');
    expect(Array.from(b.dataSync())).toEqual([0, 1, 1]);
    expect(Array.from(tf.cast(b, 'float32').dataSync())).toEqual([0, 1, 1]);
    b.dispose();
  });

  it('turns an out-of-range gather index into a clear error at the next read', async () => {
    await tf.setBackend(target);
    const table = tf.ones([4, 2]);
    const bad = tf.gather(table, tf.tensor1d([1, 7], 'int32'));
    expect(() => bad.dataSync()).toThrow(MixdistillError);
    expect(() => bad.dataSync()).not.toThrow(); // the flag is cleared once reported
    tf.dispose([table, bad]);
  });

  it('turns an out-of-range label into a clear error', async () => {
    await tf.setBackend(target);
    const { crossEntropySum } = await import('../../ops');
    const loss = crossEntropySum(tf.ones([2, 3]), tf.tensor1d([1, 3], 'int32'));
    expect(() => loss.dataSync()).toThrow(/label is 3, outside \[0, 3\)/);
    loss.dispose();
  });

  it('broadcasts matmul batch axes per axis ([2, 1] by [3], one product per batch)', async () => {
    // tfjs' cpu kernel pairs batches by index % batch here, so the reference is built by hand.
    await tf.setBackend(target);
    const a = tf.randomNormal([2, 1, 3, 4], 0, 1, 'float32', 1);
    const b = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 2);
    const got = tf.matMul(a, b);
    expect(got.shape).toEqual([2, 3, 3, 5]);
    const av = a.arraySync() as number[][][][],
      bv = b.arraySync() as number[][][];
    const gv = got.arraySync() as number[][][][];
    let worst = 0;
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 3; j++)
        for (let r = 0; r < 3; r++)
          for (let c = 0; c < 5; c++) {
            let want = 0;
            for (let p = 0; p < 4; p++) want += av[i][0][r][p] * bv[j][p][c];
            worst = Math.max(worst, Math.abs(gv[i][j][r][c] - want));
          }
    expect(worst).toBeLessThan(1e-5);
    tf.dispose([a, b, got]);
  });

  it('counts kernels that ran on the cpu fallback (ArgMax over a leading axis)', async () => {
    await tf.setBackend(target);
    const backend = tf.backend() as CudaBackend;
    const before = backend.fallbackCounts().ArgMax ?? 0;
    const idx = tf.argMax(tf.tensor([[1, 3, 2]]), 0);
    expect(Array.from(idx.dataSync())).toEqual([0, 0, 0]);
    expect(backend.fallbackCounts().ArgMax).toBe(before + 1);
    const last = tf.argMax(tf.tensor([[1, 3, 2]]), 1); // the last axis runs on the device
    expect(Array.from(last.dataSync())).toEqual([1]);
    expect(backend.fallbackCounts().ArgMax).toBe(before + 1);
    tf.dispose([idx, last]);
  });

  it('hands a list kernel its inputs as an array on the fallback (AddN has no device kernel)', async () => {
    await tf.setBackend(target);
    const backend = tf.backend() as CudaBackend;
    const before = backend.fallbackCounts().AddN ?? 0;
    const sum = tf.addN([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')]);
    expect(Array.from(sum.dataSync())).toEqual([4, 6]);
    expect(backend.fallbackCounts().AddN).toBe(before + 1);
    sum.dispose();
  });
});
