// Logits and SFT-loss gradients against golden.safetensors, computed by an independent PyTorch
// re-implementation of transformers' Qwen2/Llama (fixtures/README.md).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checkpoint, tf, activatableBackends } from '@mixdistill/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { causalLmLossSum, countPredictedTokens } from '../loss';
import { loadModel, type LoadedModel } from '../weights/load_model';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures');

const backends = await activatableBackends();

const cases = backends.flatMap((backend) =>
  ['tiny-qwen2', 'tiny-llama3', 'tiny-llama-untied-f16'].map((fixture) => ({ backend, fixture })),
);

describe.each(cases)('$fixture on $backend', ({ backend, fixture }) => {
  const dir = path.join(FIXTURES, fixture);
  let golden: Checkpoint;
  let loaded: LoadedModel;
  let inputIds: tf.Tensor;
  let labels: tf.Tensor;

  beforeAll(async () => {
    await tf.setBackend(backend);
    golden = Checkpoint.open(path.join(dir, 'golden.safetensors'));
    loaded = loadModel(dir);
    const shape = golden.entries().find((e) => e.name === 'input_ids')!.shape;
    inputIds = tf.tensor(golden.readInt32('input_ids'), shape, 'int32');
    labels = tf.tensor(golden.readInt32('labels'), shape, 'int32');
  });
  afterAll(() => {
    golden.close();
    loaded.model.dispose();
    tf.dispose([inputIds, labels]);
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
    const count = countPredictedTokens(labels);
    const { value, grads } = tf.variableGrads(
      () => tf.div(causalLmLossSum(model.forward(inputIds), labels), count) as tf.Scalar,
      [...model.params.values()],
    );
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
