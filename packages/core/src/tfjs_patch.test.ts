// The behaviour patches/@tensorflow__tfjs-core@4.22.0.patch gives tfjs' tape (see
// docs/ARCHITECTURE.md): each tape node's saved tensors and its outputs' gradients are disposed as
// soon as its backward has run, so a training step's peak no longer holds every activation and
// every gradient at once; a first-order tape saves a kernel's inputs without an Identity kernel.
// Gradients must be unchanged (higher-order ones too), and a dy the caller passes must survive.
import { describe, expect, it } from 'vitest';
import { tf } from './tf';

const LINKS = 20; // squares in the chain
const N = 1000; // floats per activation

/** An identity whose backward records the bytes held when it runs. */
function probe(record: (bytes: number) => void): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return {
      value: tf.clone(x),
      gradFunc: (dy: tf.Tensor) => {
        record(tf.memory().numBytes);
        return tf.clone(dy);
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

describe('tfjs backward (patched)', () => {
  it("frees each node's saved tensors and gradients once used, not when the whole backward ends", async () => {
    await tf.setBackend('cpu');
    const x = tf.variable(tf.ones([N]));
    let first = 0; // bytes when the last op's backward runs (the first to run)
    let last = 0; // bytes when the first op's backward runs (the last to run)
    const { value, grads } = tf.variableGrads(() => {
      let h = probe((b) => (last = b))(x);
      for (let i = 0; i < LINKS; i++) h = tf.square(h); // each saves its input: 20 × N floats
      h = probe((b) => (first = b))(h);
      return tf.sum(h);
    }, [x]);
    // Unpatched, the 20 saved inputs and the intermediate gradients are all still held at the end.
    expect(last).toBeLessThan(first - (LINKS / 2) * N * 4);
    // d/dx x^(2^20) at x = 1 is 2^20, exact in float32.
    expect(Array.from(await grads[x.name].data()).every((g) => g === 2 ** LINKS)).toBe(true);
    tf.dispose([value, x, ...Object.values(grads)]);
  });

  it('saves a kernel input without an Identity kernel on a first-order tape', async () => {
    await tf.setBackend('cpu');
    const x = tf.variable(tf.tensor1d([1, 2, 3]));
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(x)), [x]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    // Square saves x: unpatched, the save ran Identity (tfjs' clone).
    expect(profile.kernelNames).toContain('Square');
    expect(profile.kernelNames).not.toContain('Identity');
    x.dispose();
  });

  it('still differentiates through saved tensors under a higher-order tape', async () => {
    await tf.setBackend('cpu');
    // d²/dx² x³ = 6x: the inner backward multiplies by the saved x, which the outer tape must see.
    const second = tf.grad(tf.grad((x: tf.Tensor) => tf.pow(x, 3)));
    const x = tf.tensor1d([1, 2, -3]);
    const d2 = second(x);
    expect(Array.from(await d2.data())).toEqual([6, 12, -18]);
    tf.dispose([x, d2]);
  });

  it("keeps the caller's dy and a gradient a node returns unchanged", async () => {
    await tf.setBackend('cpu');
    const x = tf.tensor1d([1, 2, 3]);
    const dy = tf.tensor1d([1, 10, 100]);
    const passThrough = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
      value: tf.mul(args[0] as tf.Tensor, 2),
      gradFunc: (g: tf.Tensor) => g, // the output's gradient object itself, as the input's
    })) as (t: tf.Tensor) => tf.Tensor;
    const [dx] = tf.grads((t: tf.Tensor) => tf.mul(passThrough(t), 3))([x], dy);
    expect(Array.from(await dx.data())).toEqual([3, 30, 300]);
    expect(Array.from(await dy.data())).toEqual([1, 10, 100]); // not disposed by the backward
    tf.dispose([x, dy, dx]);
  });
});
