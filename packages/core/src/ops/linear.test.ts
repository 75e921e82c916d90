import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { linear, linearUnfused } from './linear';
import { activatableBackends, finiteDifferenceErrors, seededTensor } from './op_test_helpers';

const backends = await activatableBackends();

/** y and the gradients of Σ y·r with respect to x, weight and bias (when given), as arrays. */
function valuesAndGrads(f: typeof linear, x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null) {
  return tf.tidy(() => {
    const y = f(x, weight, bias);
    const r = seededTensor(y.shape, 7);
    const loss = (...ts: tf.Tensor[]) => tf.sum(tf.mul(f(ts[0], ts[1], ts[2] ?? null), r));
    const grads = tf.grads(loss)(bias ? [x, weight, bias] : [x, weight]);
    return [y, ...grads].map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
  });
}

describe.each(backends)('linear on %s', (backend) => {
  it.each([
    ['[2, 3, 5] with bias', [2, 3, 5], true],
    ['[7, 6] without bias', [7, 6], false],
    ['[5] (one row) with bias', [5], true],
  ] as const)('computes the composition’s floats, forward and backward: x %s', async (_, xShape, withBias) => {
    await tf.setBackend(backend);
    const inDim = xShape[xShape.length - 1];
    const x = seededTensor([...xShape], 1);
    const weight = seededTensor([4, inDim], 2);
    const bias = withBias ? seededTensor([4], 3) : null;
    // The fused kernel makes the composition's own addon calls, so the floats are identical.
    expect(valuesAndGrads(linear, x, weight, bias)).toEqual(valuesAndGrads(linearUnfused, x, weight, bias));
    tf.dispose([x, weight, bias ?? []]);
  });

  it('with an empty in-dimension gives the bias on every row (zeros without one)', async () => {
    await tf.setBackend(backend);
    const bias = tf.tensor1d([1, -2, 3, 0.5]);
    const [withBias, without] = tf.tidy(() =>
      [linear(tf.zeros([3, 0]), tf.zeros([4, 0]), bias), linear(tf.zeros([2, 1, 0]), tf.zeros([4, 0]), null)].map(
        (t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }),
      ),
    );
    expect(withBias).toEqual({ shape: [3, 4], values: [1, -2, 3, 0.5, 1, -2, 3, 0.5, 1, -2, 3, 0.5] });
    expect(without).toEqual({ shape: [2, 1, 4], values: new Array(8).fill(0) });
    bias.dispose();
  });

  it('has gradients that match finite differences', async () => {
    await tf.setBackend(backend);
    const x = seededTensor([2, 3, 5], 4);
    const weight = seededTensor([4, 5], 5);
    const bias = seededTensor([4], 6);
    const errors = finiteDifferenceErrors((a, w, b) => linear(a, w, b), [x, weight, bias], [0, 1, 2]);
    for (const e of errors) expect(e).toBeLessThan(2e-3);
    tf.dispose([x, weight, bias]);
  });

  it('refuses a weight whose in-dimension is not x’s last in one line', async () => {
    await tf.setBackend(backend);
    const x = seededTensor([2, 5], 1);
    const weight = seededTensor([4, 6], 2);
    expect(() => linear(x, weight)).toThrow(backend === 'cpu' ? /./ : /MdLinear: expected float32 x/);
    tf.dispose([x, weight]);
  });
});

describe.skipIf(!backends.includes('native'))('linear on native: dispatches', () => {
  it('runs one kernel forward and one backward, not the composition’s reshapes, products and sums', async () => {
    await tf.setBackend('native');
    const x = seededTensor([2, 3, 5], 1);
    const weight = seededTensor([4, 5], 2);
    const bias = seededTensor([4], 3);
    const profile = await tf.profile(() =>
      tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(linear(a, w, b)))([x, weight, bias]),
    );
    const names = profile.kernels.map((k) => k.name);
    expect(names.filter((n) => n === 'MdLinear')).toHaveLength(1);
    expect(names.filter((n) => n === 'MdLinearGrad')).toHaveLength(1);
    expect(names).not.toContain('BatchMatMul');
    tf.dispose([x, weight, bias, ...(profile.result as tf.Tensor[])]);
  });
});
