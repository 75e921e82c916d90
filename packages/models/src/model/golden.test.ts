// Logits and SFT-loss gradients against golden.safetensors, computed by an independent PyTorch
// re-implementation of transformers' Qwen2/Llama (fixtures/README.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checkpoint, crossEntropySum, IGNORE_INDEX, tf, activatableBackends } from '@mixdistill/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type LoadedModel } from '../weights/load_model';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures');

const backends = await activatableBackends();

/**
 * The project's label convention (docs/ARCHITECTURE.md): the loss reads next-token targets,
 * targets[r, t] = labels[r, t + 1] and -100 at each row's end, shifted on host before the forward.
 */
function nextTokenTargets(labels: Int32Array, [rows, seq]: number[]): Int32Array {
  const targets = new Int32Array(rows * seq).fill(IGNORE_INDEX);
  for (let r = 0; r < rows; r++) for (let t = 0; t + 1 < seq; t++) targets[r * seq + t] = labels[r * seq + t + 1];
  return targets;
}

const cases = backends.flatMap((backend) =>
  ['tiny-qwen2', 'tiny-llama3', 'tiny-llama-untied-f16'].map((fixture) => ({ backend, fixture })),
);

describe.each(cases)('$fixture on $backend', ({ backend, fixture }) => {
  const dir = path.join(FIXTURES, fixture);
  let golden: Checkpoint;
  let loaded: LoadedModel;
  let inputIds: tf.Tensor;
  let targets: tf.Tensor; // int32 [b * s]
  let count: number;

  beforeAll(async () => {
    await tf.setBackend(backend);
    golden = Checkpoint.open(path.join(dir, 'golden.safetensors'));
    loaded = loadModel(dir);
    const shape = golden.entries().find((e) => e.name === 'input_ids')!.shape;
    inputIds = tf.tensor(golden.readInt32('input_ids'), shape, 'int32');
    const shifted = nextTokenTargets(golden.readInt32('labels'), shape);
    targets = tf.tensor1d(shifted, 'int32');
    count = shifted.filter((t) => t !== IGNORE_INDEX).length;
  });
  afterAll(() => {
    golden.close();
    loaded.model.dispose();
    tf.dispose([inputIds, targets]);
  });

  it('gives the golden logits within 1e-4', () => {
    const logits = loaded.model.forward(inputIds);
    const expected = golden.readFloat32('logits');
    const got = logits.dataSync();
    expect(got.length).toBe(expected.length);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    logits.dispose();
  });

  it('gives the golden SFT-loss gradient of every weight within 1e-4 of its max magnitude', () => {
    const { model } = loaded;
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.forward(inputIds); // [b, s, vocab]
      const flat = tf.reshape(logits, [-1, logits.shape[2]!]);
      return tf.div(crossEntropySum(flat, targets), count) as tf.Scalar;
    }, [...model.params.values()]);
    const byVariable = new Map([...model.params].map(([name, v]) => [v.name, name]));
    const names = Object.keys(grads).map((k) => byVariable.get(k)!);
    expect(names.sort()).toEqual([...model.params.keys()].sort());
    for (const [varName, grad] of Object.entries(grads)) {
      const name = byVariable.get(varName)!;
      const expected = golden.readFloat32(`grad.${name}`);
      const got = grad.dataSync();
      let maxAbs = 0;
      let maxDiff = 0;
      for (let i = 0; i < got.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        maxDiff = Math.max(maxDiff, Math.abs(got[i] - expected[i]));
      }
      expect(maxDiff / maxAbs, name).toBeLessThan(1e-4);
    }
    value.dispose();
    tf.dispose(Object.values(grads));
  });
});
