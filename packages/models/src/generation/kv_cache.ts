// Keys and values of every layer for the positions processed so far, so each decoding step
// computes only the new token (transformers' DynamicCache). Owns its tensors: call dispose().
import { tf } from '@mixdistill/core';
import type { PastKeyValue } from '../model/decoder_block';

export class KVCache {
  private readonly layers: (PastKeyValue | null)[];
  /** int32 [b, length], or null while every row is one segment. */
  private segments: tf.Tensor | null = null;
  /** Positions cached so far. */
  private cachedLength = 0;

  constructor(numLayers: number) {
    this.layers = new Array<PastKeyValue | null>(numLayers).fill(null);
  }

  get length(): number {
    return this.cachedLength;
  }

  /** Segment ids of all keys (cached + the new `s` positions), kept by the cache. */
  extendSegmentIds(newIds: tf.Tensor | null, batch: number, s: number): tf.Tensor | null {
    if (!newIds && !this.segments) return null;
    if (!this.segments && this.cachedLength > 0) {
      throw new Error('KVCache: segment ids must be given from the first forward pass that fills the cache');
    }
    // New positions without ids continue each row's last segment (the usual decoding step).
    const added = newIds ?? tf.tile(tf.slice(this.segments!, [0, this.cachedLength - 1], [batch, 1]), [1, s]);
    // A copy when there is nothing to concatenate with: the caller owns (and may dispose) newIds.
    const all = this.segments ? tf.concat([this.segments, added], 1) : tf.clone(added);
    this.segments?.dispose();
    this.segments = tf.keep(all);
    return all;
  }

  layer(index: number): PastKeyValue | null {
    return this.layers[index];
  }

  /** Replaces layer `index`'s entry with keys/values covering every position so far. */
  update(index: number, key: tf.Tensor, value: tf.Tensor): void {
    const old = this.layers[index];
    this.layers[index] = { key: tf.keep(key), value: tf.keep(value) };
    if (old) tf.dispose([old.key, old.value]);
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
  }
}
