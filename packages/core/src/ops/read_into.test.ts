import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { activatableBackends, seededTensor } from './op_test_helpers';
import { readInto } from './read_into';

const backends = await activatableBackends();

describe.each(backends)('readInto on %s', (backend) => {
  it("copies a float32 tensor's values into the front of a kept array, or a new one when it is short", async () => {
    await tf.setBackend(backend);
    const logits = tf.tidy(() => tf.add(seededTensor([3, 5], 1), 1)); // an op's output: pooled storage on native
    const expected = Array.from(logits.dataSync());
    const fresh = await readInto(logits);
    expect(Array.from(fresh)).toEqual(expected);
    const kept = new Float32Array(20).fill(-7);
    const view = await readInto(logits, kept);
    expect(view.buffer).toBe(kept.buffer);
    expect(view.length).toBe(15);
    expect(Array.from(kept.subarray(0, 15))).toEqual(expected);
    expect(Array.from(kept.subarray(15))).toEqual(new Array(5).fill(-7));
    const short = new Float32Array(4);
    expect((await readInto(logits, short)).buffer).not.toBe(short.buffer);
    // The copy is the caller's: writing it leaves the tensor as it was.
    view.fill(0);
    expect(Array.from(logits.dataSync())).toEqual(expected);
    logits.dispose();
  });

  it('rejects a tensor that is not float32', async () => {
    await tf.setBackend(backend);
    const ids = tf.tensor1d([1, 2], 'int32');
    await expect(readInto(ids)).rejects.toThrow('readInto: expected a float32 tensor, got int32');
    ids.dispose();
  });
});
