// Loading the matrices as bf16 for generation: a BF16 checkpoint is used as stored (no float32
// copy), F32/F16 ones are rounded to nearest even, and the default stays float32 for training.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checkpoint, float32ToBfloat16, tf } from '@mixdistill/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { checkpointWeightDtype, loadModel } from './load_model';
import { readModelConfig } from './read_config';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, '../../../../fixtures');

/** Bytes the weights take: 2 per element of a bf16 matrix, 4 per float32 value. */
function expectedBytes(dir: string, bf16: boolean): number {
  const checkpoint = Checkpoint.open(dir);
  try {
    return checkpoint
      .entries()
      .filter((e) => e.name !== 'lm_head.weight' || !readModelConfig(dir).tieWordEmbeddings)
      .reduce((sum, e) => sum + e.shape.reduce((a, b) => a * b, 1) * (bf16 && e.shape.length === 2 ? 2 : 4), 0);
  } finally {
    checkpoint.close();
  }
}

describe('loadModel with bf16 matrices', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('keeps a BF16 checkpoint as stored: int32-packed matrices of 2 bytes per weight, float32 norms, nothing else allocated', () => {
    const dir = path.join(FIXTURES, 'tiny-llama3');
    const checkpoint = Checkpoint.open(dir);
    expect(checkpointWeightDtype(readModelConfig(dir), checkpoint)).toBe('bf16');
    const before = tf.memory().numBytes;
    const decoded = vi.spyOn(Checkpoint.prototype, 'readFloat32');
    const { model } = loadModel(dir, { dtype: 'checkpoint' });
    // Only the 1-D tensors (norm weights) were decoded to float32.
    expect(decoded.mock.calls.map(([name]) => name).filter((n) => model.params.get(n)?.rank !== 1)).toEqual([]);
    decoded.mockRestore();
    // Every byte the model holds is its weights at 2 bytes per matrix element: no float32 copy survives.
    expect(tf.memory().numBytes - before).toBe(expectedBytes(dir, true) + (model.config.headDim / 2) * 4);
    for (const [name, v] of model.params) {
      const e = checkpoint.entries().find((x) => x.name === name)!;
      if (e.shape.length === 2) {
        expect(v.dtype, name).toBe('int32');
        expect(v.shape, name).toEqual([e.shape[0], e.shape[1] / 2]);
        const stored = checkpoint.readBytes(name);
        const held = v.dataSync() as Int32Array;
        expect(held.buffer.byteLength, name).toBe(stored.byteLength);
        expect(Buffer.from(held.buffer).equals(Buffer.from(stored.buffer)), name).toBe(true);
      } else {
        expect(v.dtype, name).toBe('float32');
      }
    }
    checkpoint.close();
    model.dispose();
  });

  it('rounds an F32 checkpoint to nearest even with --dtype bf16, and loads float32 by default', () => {
    const dir = path.join(FIXTURES, 'tiny-qwen2');
    const f32 = loadModel(dir).model;
    const before = tf.memory().numBytes;
    const bf16 = loadModel(dir, { dtype: 'bf16' }).model;
    expect(tf.memory().numBytes - before).toBe(expectedBytes(dir, true) + (bf16.config.headDim / 2) * 4);
    for (const [name, v] of f32.params) {
      const packed = bf16.params.get(name)!;
      if (v.rank === 2) {
        const want = Array.from(v.dataSync(), (x) => float32ToBfloat16(x));
        expect(Array.from(new Uint16Array((packed.dataSync() as Int32Array).buffer)), name).toEqual(want);
      } else {
        expect(v.dtype, name).toBe('float32');
        expect(packed.dtype, name).toBe('float32');
      }
    }
    // The default (training, LoRA, logits): float32 everywhere.
    expect([...f32.params.values()].every((v) => v.dtype === 'float32')).toBe(true);
    f32.dispose();
    bf16.dispose();
  });
});
