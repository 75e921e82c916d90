// Keys and values of every layer for the positions processed so far, so each decoding step
// computes only the new token (transformers' DynamicCache). The positions live in preallocated
// buffers [b, kvHeads, capacity, headDim] that each step writes into in place (core's `writeInto`),
// so a step copies its new keys and values only, not the whole cache; when they are full the
// buffers double. Attention reads the first `length` positions (its `keyLength`). For continuous
// batching, a finished row's place goes to a prompt prefilled in another cache (`admit`), and the
// positions no row needs any more go (`dropFront`). Owns its tensors: call dispose().
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
  private bufferCapacity = 0;

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

  /** Positions the buffers hold room for (0 before the first forward pass). */
  get capacity(): number {
    return this.bufferCapacity;
  }

  /**
   * Makes room for `s` more positions; a forward pass calls it once, before its first layer. Full
   * buffers double (one copy of what they hold).
   */
  prepare(s: number): void {
    const needed = this.cachedLength + s;
    if (needed <= this.bufferCapacity) return;
    const capacity = Math.max(needed, 2 * this.bufferCapacity, this.reserve);
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
    this.bufferCapacity = capacity;
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
    const buffer = this.segments ?? tf.zeros([batch, this.bufferCapacity], 'int32');
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
    if (this.cachedLength + s > this.bufferCapacity)
      throw new Error('KVCache: prepare(s) was not called for this forward pass');
    const old = this.layers[index];
    const buffer = (t: tf.Tensor) => tf.zeros([t.shape[0], t.shape[1], this.bufferCapacity, t.shape[3]] as number[]);
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

  /**
   * Writes row j of `other` (a cache of no more positions than this one) over row `slots[j]` of
   * this one, its positions right-aligned to end where this cache's end: a prompt prefilled on its
   * own takes a finished sequence's place in a running batch. The positions before them are
   * another segment (0, as padding), so attention never reads what the row held before. Only the
   * slots' rows are written (in place where the backend can); `other` is left as it was.
   */
  admit(other: KVCache, slots: number[]): void {
    const w = other.cachedLength;
    const at = this.cachedLength - w;
    if (w < 1 || at < 0 || this.layers.some((entry, i) => !entry || !other.layers[i]))
      throw new Error(`KVCache: cannot admit ${w} positions into a cache of ${this.cachedLength}`);
    // Row j of `t` ([rows, …, w, …] along `axis`) at positions [at, at + w) of a row of this capacity.
    const placed = (t: tf.Tensor, j: number, axis: number) => {
      const begin = new Array<number>(t.rank).fill(0);
      begin[0] = j;
      const size = t.shape.slice();
      size[0] = 1;
      size[axis] = w;
      const window = tf.slice(t, begin, size);
      size[axis] = this.bufferCapacity;
      return writeInto(tf.zeros(size, t.dtype), window, axis, at);
    };
    // Each write consumes the buffer it writes into: the one before it is disposed at once, so the
    // next write finds the storage unshared and writes in place.
    const written = (buffer: tf.Tensor, theirs: tf.Tensor, axis: number) => {
      let out = buffer;
      slots.forEach((slot, j) => {
        const next = writeInto(out, placed(theirs, j, axis), 0, slot);
        out.dispose();
        out = next;
      });
      return tf.keep(out);
    };
    tf.tidy(() => {
      this.layers.forEach((entry, i) => {
        const theirs = other.layers[i]!;
        this.layers[i] = { key: written(entry!.key, theirs.key, 2), value: written(entry!.value, theirs.value, 2) };
      });
      const rows = this.layers[0]!.key.shape[0] as number;
      const segments = this.segments ?? tf.ones([rows, this.bufferCapacity], 'int32');
      this.segments = written(segments, other.segments ?? tf.ones([slots.length, w], 'int32'), 1);
    });
  }

  /**
   * Forgets the first `n` positions of every row (positions no row attends to any more): the rest
   * move to the front, the buffers keep their capacity.
   */
  dropFront(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.cachedLength)
      throw new Error(`KVCache: cannot drop ${n} of ${this.cachedLength} positions`);
    if (n === 0) return;
    const kept = this.cachedLength - n;
    const shift = (t: tf.Tensor, axis: number) => {
      const begin = new Array<number>(t.rank).fill(0);
      begin[axis] = n;
      const size = t.shape.slice();
      size[axis] = kept;
      return tf.keep(writeInto(tf.zeros(t.shape, t.dtype), tf.slice(t, begin, size), axis, 0));
    };
    tf.tidy(() => {
      this.layers.forEach((entry, i) => {
        if (!entry) return;
        this.layers[i] = { key: shift(entry.key, 2), value: shift(entry.value, 2) };
        tf.dispose([entry.key, entry.value]);
      });
      if (this.segments) {
        const old = this.segments;
        this.segments = shift(old, 1);
        old.dispose();
      }
    });
    this.cachedLength = kept;
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
    this.bufferCapacity = 0;
  }
}
