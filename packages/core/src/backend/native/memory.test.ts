// No leaks: 1,000 small training steps (embedding, RMSNorm, attention, SwiGLU, cross-entropy,
// gradients, AdamW) leave the tensor count, the pool's fresh allocations and RSS flat; so does a
// decoding-like loop that reads a vocabulary-sized output every step without yielding.
import { describe, expect, it } from 'vitest';
import { tf } from '../../tf';
import { adamwUpdate } from '../../ops/adamw';
import { causalAttention } from '../../ops/attention';
import { crossEntropySum } from '../../ops/cross_entropy';
import { rmsNorm } from '../../ops/rms_norm';
import { swiglu } from '../../ops/swiglu';
import { seededValues } from '../../ops/op_test_helpers';
import type { NativeBackend } from './native_backend';
import { ADDON_BUILT, SKIP_REASON } from './test_helpers';

describe.skipIf(!ADDON_BUILT)(`native backend memory${SKIP_REASON}`, () => {
  it('stays flat across 1,000 training-like steps', async () => {
    await tf.setBackend('native');
    const backend = tf.backend() as NativeBackend;
    const [b, s, h, heads, d, vocab, ff] = [2, 16, 32, 4, 8, 50, 48];
    const params = new Map<string, tf.Variable>();
    const param = (name: string, shape: number[]): tf.Variable => {
      const v = tf.variable(
        tf.tensor(
          seededValues(
            shape.reduce((x, y) => x * y, 1),
            params.size + 1,
            0.1,
          ),
          shape,
        ),
        true,
        name,
      );
      params.set(name, v);
      return v;
    };
    const emb = param('emb', [vocab, h]),
      norm = param('norm', [h]),
      wqkv = param('wqkv', [3 * h, h]);
    const wo = param('wo', [h, h]),
      wgu = param('wgu', [2 * ff, h]),
      wd = param('wd', [h, ff]);
    const state = new Map(
      [...params].map(([n, v]) => [
        n,
        { m: tf.variable(tf.zeros(v.shape), false), v: tf.variable(tf.zeros(v.shape), false) },
      ]),
    );
    const ids = tf.tensor(
      Int32Array.from({ length: b * s }, (_, i) => (i * 7) % vocab),
      [b * s],
      'int32',
    );
    const labels = tf.tensor(
      Int32Array.from({ length: b * s }, (_, i) => (i % 5 === 0 ? -100 : (i * 3) % vocab)),
      [b * s],
      'int32',
    );
    const linear = (x: tf.Tensor, w: tf.Tensor): tf.Tensor => tf.matMul(x, w, false, true);
    const loss = (): tf.Scalar => {
      const x = rmsNorm(tf.gather(emb, ids), norm, 1e-6); // [b*s, h]
      const [q, k, v] = tf
        .split(linear(x, wqkv), 3, -1)
        .map((t) => tf.transpose(tf.reshape(t, [b, s, heads, d]), [0, 2, 1, 3]));
      const att = tf.reshape(tf.transpose(causalAttention(q, k, v), [0, 2, 1, 3]), [b * s, h]);
      const x2 = tf.add(x, linear(att, wo));
      const [g, u] = tf.split(linear(x2, wgu), 2, -1);
      const y = tf.add(x2, linear(swiglu(g, u), wd));
      return tf.div(crossEntropySum(linear(y, emb), labels), b * s);
    };
    const step = (i: number): void => {
      const { grads, value } = tf.variableGrads(loss);
      for (const [name, v] of params)
        adamwUpdate(v, grads[name], state.get(name)!, {
          lr: 1e-3,
          beta1: 0.9,
          beta2: 0.999,
          eps: 1e-8,
          weightDecay: 0.01,
          step: i,
        });
      tf.dispose([value, ...Object.values(grads)]);
    };
    for (let i = 1; i <= 50; i++) step(i); // warm-up fills the buffer pool
    const tensors = tf.memory().numTensors;
    const fresh = backend.pool.stats().freshAllocations;
    const rss = process.memoryUsage().rss;
    for (let i = 51; i <= 1050; i++) step(i);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.pool.stats().freshAllocations - fresh).toBeLessThan(20);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20);
    tf.dispose([...params.values(), ...[...state.values()].flatMap((s) => [s.m, s.v]), ids, labels]);
  });

  it('reads pooled outputs as copies, so a loop that never yields reuses one buffer', () => {
    tf.setBackend('native');
    const backend = tf.backend() as NativeBackend;
    const vocab = 151_936; // Qwen2.5's logits row: 0.6 MB
    const bias = tf.ones([1, vocab]);
    const first = tf.add(bias, 1);
    const read = first.dataSync() as Float32Array;
    first.dispose();
    const second = tf.add(bias, 2); // takes the buffer `first` gave back
    expect(read[0]).toBe(2);
    expect(second.dataSync()[0]).toBe(3);
    second.dispose();
    // As generate() does per token, with no await between steps for addon-memory finalizers to run.
    const fresh = backend.pool.stats().freshAllocations;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 500; i++) {
      const logits = tf.add(bias, i);
      expect(logits.dataSync()[vocab - 1]).toBe(i + 1);
      logits.dispose();
    }
    expect(backend.pool.stats().freshAllocations - fresh).toBeLessThan(5);
    expect(process.memoryUsage().rss - rss).toBeLessThan(64 * 2 ** 20); // handing out storage: ~300 MB
    bias.dispose();
  });

  it('moves int32 storage of 64 KiB or more (bf16 weights) into addon memory and frees it with its tensor', async () => {
    await tf.setBackend('native');
    const backend = tf.backend() as NativeBackend;
    const addon = backend.addon;
    const [alloc, free] = [addon.alloc, addon.free];
    let allocs = 0;
    let frees = 0;
    addon.alloc = (n) => {
      allocs++;
      return alloc.call(addon, n);
    };
    addon.free = (a) => {
      frees++;
      free.call(addon, a);
    };
    try {
      const small = new Int32Array(2 ** 14 - 1); // just under 64 KiB: stays as given
      const t1 = tf.tensor1d(small, 'int32');
      expect(backend.data.get(t1.dataId).values).toBe(small);
      t1.dispose();
      expect([allocs, frees]).toEqual([0, 0]);
      const big = Int32Array.from({ length: 2 ** 14 }, (_, i) => i);
      const t2 = tf.tensor1d(big, 'int32');
      const stored = backend.data.get(t2.dataId).values as Int32Array;
      expect(stored).not.toBe(big);
      expect(stored).toEqual(big);
      expect(allocs).toBe(1);
      t2.dispose();
      expect(frees).toBe(1);
    } finally {
      addon.alloc = alloc;
      addon.free = free;
    }
  });
});
