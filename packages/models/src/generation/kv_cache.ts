// Keys and values of every layer for the positions processed so far, so each decoding step
// computes only the new token (transformers' DynamicCache). The positions live in preallocated
// buffers [b, kvHeads, capacity, headDim] that each step writes into in place (core's `writeInto`),
// so a step copies its new keys and values only, not the whole cache; when they are full the
// buffers double. Attention reads the first `length` positions (its `keyLength`). Owns its tensors:
// call dispose().
import { tf, writeInto } from '@mixdistill/core';
import type { LayerCache } from '../model/decoder_block';

/** One layer's buffers: [b, kvHeads, capacity, headDim]. */
interface LayerBuffers {
  key: tf.Tensor;
  value: tf.Tensor;
}

export class KVCache {
  private readonly layers: (LayerBuffers | null)[];
  /** int32 [b, capacity], or null while every row is one segment. */
  private segments: tf.Tensor | null = null;
  /** Positions cached so far. */
  private cachedLength = 0;
  /** Positions the buffers hold room for. */
  private capacity = 0;

  /**
   * @param numLayers decoder layers of the model
   * @param reserve positions to make room for at the first forward pass (e.g. the longest prompt
   *   plus the tokens to generate), so that the buffers never grow; they double when exceeded
   */
  constructor(
    numLayers: number,
    private readonly reserve = 0,
  ) {
    this.layers = new Array<LayerBuffers | null>(numLayers).fill(null);
  }

  /** Positions cached so far. */
  get length(): number {
    return this.cachedLength;
  }

  /**
   * Makes room for `s` more positions; a forward pass calls it once, before its first layer. Full
   * buffers double (one copy of what they hold).
   */
  prepare(s: number): void {
    const needed = this.cachedLength + s;
    if (needed <= this.capacity) return;
    const capacity = Math.max(needed, 2 * this.capacity, this.reserve);
    const grow = (t: tf.Tensor, axis: number) => {
      const shape = t.shape.slice();
      shape[axis] = capacity;
      const bigger = tf.keep(writeInto(tf.zeros(shape, t.dtype), t, axis, 0));
      t.dispose();
      return bigger;
    };
    tf.tidy(() => {
      this.layers.forEach((entry, i) => {
        if (entry) this.layers[i] = { key: grow(entry.key, 2), value: grow(entry.value, 2) };
      });
      if (this.segments) this.segments = grow(this.segments, 1);
    });
    this.capacity = capacity;
  }

  /**
   * Writes the new positions' segment ids after the cached ones and returns all of them, int32
   * [b, capacity] (the first length + s are real), or null while every row is one segment.
   */
  extendSegmentIds(newIds: tf.Tensor | null, batch: number, s: number): tf.Tensor | null {
    if (!newIds && !this.segments) return null;
    if (!this.segments && this.cachedLength > 0) {
      throw new Error('KVCache: segment ids must be given from the first forward pass that fills the cache');
    }
    // New positions without ids continue each row's last segment (the usual decoding step).
    const added = newIds ?? tf.tile(tf.slice(this.segments!, [0, this.cachedLength - 1], [batch, 1]), [1, s]);
    const buffer = this.segments ?? tf.zeros([batch, this.capacity], 'int32');
    this.segments = tf.keep(writeInto(buffer, added, 1, this.cachedLength));
    buffer.dispose(); // consumed by the write
    return this.segments;
  }

  /** Layer `index`'s slot, for its decoder block. */
  layer(index: number): LayerCache {
    return {
      append: (key, value) => this.append(index, key, value),
      buffers: () => {
        const entry = this.layers[index];
        return entry ? { ...entry, offset: this.cachedLength } : null;
      },
      replace: (key, value) => this.replace(index, key, value),
    };
  }

  /** Takes layer `index`'s buffers back from a kernel that wrote them (and consumed the old ones). */
  private replace(index: number, key: tf.Tensor, value: tf.Tensor): void {
    const old = this.layers[index];
    this.layers[index] = { key: tf.keep(key), value: tf.keep(value) };
    if (old) tf.dispose([old.key, old.value]);
  }

  /** Writes layer `index`'s new keys/values [b, kvHeads, s, headDim] after the cached positions. */
  private append(index: number, key: tf.Tensor, value: tf.Tensor) {
    const s = key.shape[2] as number;
    if (this.cachedLength + s > this.capacity)
      throw new Error('KVCache: prepare(s) was not called for this forward pass');
    const old = this.layers[index];
    const buffer = (t: tf.Tensor) => tf.zeros([t.shape[0], t.shape[1], this.capacity, t.shape[3]] as number[]);
    // The writes consume the old buffers: only the returned tensors may be read from now on.
    this.replace(
      index,
      writeInto(old?.key ?? buffer(key), key, 2, this.cachedLength),
      writeInto(old?.value ?? buffer(value), value, 2, this.cachedLength),
    );
    return { ...this.layers[index]!, length: this.cachedLength + s };
  }

  /** Keeps only the given batch rows (in that order), e.g. to drop sequences that finished. */
  keepRows(rows: number[]): void {
    const index = tf.tensor1d(rows, 'int32');
    const select = (t: tf.Tensor) => tf.keep(tf.gather(t, index, 0));
    this.layers.forEach((entry, i) => {
      if (!entry) return;
      this.layers[i] = { key: select(entry.key), value: select(entry.value) };
      tf.dispose([entry.key, entry.value]);
    });
    if (this.segments) {
      const old = this.segments;
      this.segments = select(old);
      old.dispose();
    }
    index.dispose();
  }

  /** Records that a forward pass appended `s` positions to every layer. */
  advance(s: number): void {
    this.cachedLength += s;
  }

  dispose(): void {
    for (const entry of this.layers) if (entry) tf.dispose([entry.key, entry.value]);
    this.layers.fill(null);
    this.segments?.dispose();
    this.segments = null;
    this.cachedLength = 0;
    this.capacity = 0;
  }
}
