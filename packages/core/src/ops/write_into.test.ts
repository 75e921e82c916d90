import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { activatableBackends, seededTensor } from './op_test_helpers';
import { writeInto, writeIntoUnfused } from './write_into';

const backends = await activatableBackends();

describe.each(backends)('writeInto on %s', (backend) => {
  it('writes a block at an offset along any axis, float32 and int32', async () => {
    await tf.setBackend(backend);
    const cases: [number[], number[], number, number][] = [
      [[2, 3, 8, 4], [2, 3, 1, 4], 2, 5], // a decoding step into a KV cache buffer
      [[2, 3, 8, 4], [2, 3, 8, 4], 2, 0], // the whole buffer
      [[3, 10], [3, 4], 1, 6], // segment ids' last positions
      [[5, 2], [2, 2], 0, 1],
    ];
    for (const [bufferShape, updateShape, axis, offset] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        const make = (shape: number[], seed: number) => tf.cast(tf.mul(seededTensor(shape, seed), 100), dtype);
        const expected = writeIntoUnfused(make(bufferShape, 1), make(updateShape, 2), axis, offset);
        const got = writeInto(make(bufferShape, 1), make(updateShape, 2), axis, offset);
        expect(got.dtype).toBe(dtype);
        expect(got.shape).toEqual(bufferShape);
        expect(Array.from(got.dataSync())).toEqual(Array.from(expected.dataSync()));
        // And against nested arrays spliced by hand.
        const buffer = make(bufferShape, 1).arraySync() as unknown[];
        const update = make(updateShape, 2).arraySync() as unknown[];
        expect(got.arraySync()).toEqual(spliceAlong(buffer, update, axis, offset));
        tf.dispose([got, expected]);
      }
    }
  });

  it('leaves a buffer that another tensor shares unchanged', async () => {
    await tf.setBackend(backend);
    const buffer = tf.zeros([2, 4]);
    const alias = tf.reshape(buffer, [8]); // shares the storage
    const got = writeInto(buffer, tf.ones([2, 1]), 1, 3);
    expect(Array.from(alias.dataSync())).toEqual(new Array(8).fill(0));
    expect(got.arraySync()).toEqual([
      [0, 0, 0, 1],
      [0, 0, 0, 1],
    ]);
  });

  it('rejects an update that does not fit', async () => {
    await tf.setBackend(backend);
    expect(() => writeInto(tf.zeros([2, 4]), tf.ones([2, 2]), 1, 3)).toThrow(/does not fit/);
    expect(() => writeInto(tf.zeros([2, 4]), tf.ones([3, 1]), 1, 0)).toThrow(/does not fit/);
    expect(() => writeInto(tf.zeros([2, 4]), tf.ones([2, 1], 'int32'), 1, 0)).toThrow(/int32/);
  });
});

describe('writeInto on native', () => {
  it('writes in place when nothing else holds the buffer', async () => {
    if (!backends.includes('native')) return;
    await tf.setBackend('native');
    const buffer = tf.zeros([2, 3, 6, 4]);
    const got = writeInto(buffer, tf.ones([2, 3, 1, 4]), 2, 2);
    expect(got.dataId).toBe(buffer.dataId);
    buffer.dispose(); // consumed: the result keeps the storage
    expect(got.sum().arraySync()).toBe(2 * 3 * 4);
  });
});

/** Nested arrays: `update` replacing `buffer`'s entries at offset.. along axis. */
function spliceAlong(buffer: unknown[], update: unknown[], axis: number, offset: number): unknown[] {
  if (axis === 0) {
    const out = buffer.slice();
    update.forEach((u, i) => {
      out[offset + i] = u;
    });
    return out;
  }
  return buffer.map((b, i) => spliceAlong(b as unknown[], update[i] as unknown[], axis - 1, offset));
}
