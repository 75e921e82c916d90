// Reading the real fixtures bit-exactly, write -> read round trips, sharding, atomic writes and
// lazy reads of a file far larger than anything that is read from it.
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Checkpoint } from './checkpoint';
import type { WritableDtype } from './dtype';
import { writeCheckpoint } from './write_checkpoint';
import { SafetensorsWriter, writeSafetensors, type WriteTensor } from './writer';
import { float32BitsOf, rawTensorBytes, referenceBfloat16, referenceHalf } from './test_reference';

const FIXTURES = resolve(__dirname, '../../../../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fails with the first differing index unless `a` and `b` hold the same float32 bit patterns. */
function expectSameBits(a: Float32Array, b: ArrayLike<number>, what: string): void {
  expect(a.length, what).toBe(b.length);
  const bits = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < a.length; i++) {
    if (bits[i] !== float32BitsOf(b[i])) throw new Error(`${what}[${i}]: ${a[i]} != ${b[i]}`);
  }
}

describe('fixtures', () => {
  it('reads tiny-llama3 (two BF16 shards + index) bit-exactly, every tensor', () => {
    const folder = join(FIXTURES, 'tiny-llama3');
    const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
    const c = Checkpoint.open(folder);
    const entries = c.entries();
    expect(c.shardFiles().map((f) => f.split('/').pop())).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    expect(entries.length).toBe(2 + 9 * config.num_hidden_layers); // embeddings, final norm, 9 per layer; lm_head tied
    expect(entries.every((e) => e.dtype === 'BF16')).toBe(true);
    const shape = (name: string) => entries.find((e) => e.name === name)?.shape;
    expect(shape('model.embed_tokens.weight')).toEqual([config.vocab_size, config.hidden_size]);
    expect(shape('model.layers.1.self_attn.k_proj.weight')).toEqual([
      config.num_key_value_heads * config.head_dim,
      config.hidden_size,
    ]);
    expect(c.indexTotalSize).toBe(entries.reduce((s, e) => s + e.byteLength, 0));
    for (const e of entries) {
      const raw = rawTensorBytes(e.file, e.name);
      const reference = Array.from(new Uint16Array(raw.bytes.buffer), referenceBfloat16);
      expectSameBits(c.readFloat32(e.name), reference, e.name);
    }
    c.close();
  });

  it('reads tiny-llama-untied-f16 (one F16 file) bit-exactly, every tensor', () => {
    const c = Checkpoint.open(join(FIXTURES, 'tiny-llama-untied-f16'));
    const entries = c.entries();
    expect(entries.some((e) => e.name === 'lm_head.weight')).toBe(true);
    for (const e of entries) {
      expect(e.dtype).toBe('F16');
      const raw = rawTensorBytes(e.file, e.name);
      const reference = Array.from(new Uint16Array(raw.bytes.buffer), referenceHalf);
      expectSameBits(c.readFloat32(e.name), reference, e.name);
    }
    c.close();
  });

  it('reads golden I64 token ids and labels as int32, and F32 logits unchanged', () => {
    const file = join(FIXTURES, 'tiny-llama3', 'golden.safetensors');
    const c = Checkpoint.open(file);
    for (const name of ['input_ids', 'labels']) {
      const raw = rawTensorBytes(file, name);
      expect(Array.from(c.readInt32(name))).toEqual(Array.from(new BigInt64Array(raw.bytes.buffer), Number));
    }
    expect(Array.from(c.readInt32('labels'))).toContain(-100);
    const logits = rawTensorBytes(file, 'logits');
    expectSameBits(c.readFloat32('logits'), new Float32Array(logits.bytes.buffer), 'logits');
    c.close();
  });
});

describe('write -> read', () => {
  // Every finite value of each 16-bit format, as float32: each must survive a file round trip exactly.
  const allHalf = Float32Array.from({ length: 65536 }, (_, h) => referenceHalf(h)).filter((x) => !Number.isNaN(x));
  const allBfloat16 = Float32Array.from({ length: 65536 }, (_, b) => referenceBfloat16(b)).filter(
    (x) => !Number.isNaN(x),
  );
  // Random float32 bit patterns, NaN payloads included: F32 is stored as is.
  const randomF32 = new Float32Array(
    new Uint32Array(4099).map((_, i) => (Math.imul(i + 1, 2654435761) ^ (i << 7)) >>> 0).buffer,
  );

  it('is bit-exact for F32, F16 and BF16, keeps metadata, and aligns F32 data', () => {
    const file = join(dir, 'roundtrip.safetensors');
    const tensors: WriteTensor[] = [
      { name: 'half', dtype: 'F16', shape: [allHalf.length], data: allHalf },
      { name: 'scalar', dtype: 'F32', shape: [], data: new Float32Array([-0]) },
      { name: 'brain', dtype: 'BF16', shape: [allBfloat16.length / 2, 2], data: () => allBfloat16 },
      { name: 'empty', dtype: 'F16', shape: [3, 0], data: new Float32Array(0) },
      { name: 'f32', dtype: 'F32', shape: [randomF32.length], data: randomF32 },
    ];
    writeSafetensors(file, tensors, { format: 'pt', note: 'ünïcode' });
    const c = Checkpoint.open(file);
    expect(c.metadata()).toEqual({ format: 'pt', note: 'ünïcode' });
    expectSameBits(c.readFloat32('half'), allHalf, 'half');
    expectSameBits(c.readFloat32('brain'), allBfloat16, 'brain');
    expectSameBits(c.readFloat32('scalar'), [-0], 'scalar');
    expect(Array.from(new Uint32Array(c.readFloat32('f32').buffer))).toEqual(
      Array.from(new Uint32Array(randomF32.buffer)),
    );
    expect(c.readFloat32('empty').length).toBe(0);
    const shapes = Object.fromEntries(c.entries().map((e) => [e.name, e.shape]));
    expect(shapes).toEqual({
      half: [allHalf.length],
      scalar: [],
      brain: [allBfloat16.length / 2, 2],
      empty: [3, 0],
      f32: [randomF32.length],
    });
    // F32 tensors come first and the header is padded to 8 bytes, so F32 data is 4-byte aligned.
    const headerLength = Number(readFileSync(file).readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    expect(c.entries().map((e) => e.dtype)).toEqual(['F32', 'F32', 'F16', 'BF16', 'F16']);
    c.close();
  });

  it('rounds float32 to F16/BF16 to nearest even on write', () => {
    const file = join(dir, 'rounding.safetensors');
    const values = new Float32Array([1 + 2 ** -11, 1 + 3 * 2 ** -11, 65520, 2 ** -25, 1 + 2 ** -8 + 2 ** -20]);
    writeSafetensors(file, [
      { name: 'h', dtype: 'F16', shape: [5], data: values },
      { name: 'b', dtype: 'BF16', shape: [5], data: values },
    ]);
    const c = Checkpoint.open(file);
    expect(Array.from(new Uint16Array(c.readBytes('h').buffer))).toEqual([0x3c00, 0x3c02, 0x7c00, 0x0000, 0x3c04]);
    expect(Array.from(new Uint16Array(c.readBytes('b').buffer))).toEqual([0x3f80, 0x3f80, 0x4780, 0x3300, 0x3f81]);
    c.close();
  });

  it('accepts values in chunks that split and span tensors, giving the same bytes', () => {
    const a = Float32Array.from({ length: 10 }, (_, i) => i / 3);
    const b = Float32Array.from({ length: 7 }, (_, i) => -i * 1.5);
    const specs = [
      { name: 'a', dtype: 'BF16' as const, shape: [2, 5] },
      { name: 'b', dtype: 'F16' as const, shape: [7] },
    ];
    const whole = join(dir, 'whole.safetensors');
    writeSafetensors(whole, [
      { ...specs[0], data: a },
      { ...specs[1], data: b },
    ]);
    const chunked = join(dir, 'chunked.safetensors');
    const w = SafetensorsWriter.create(chunked, specs);
    const all = new Float32Array([...a, ...b]);
    for (const [from, to] of [
      [0, 3],
      [3, 12],
      [12, 17],
    ])
      w.append(all.subarray(from, to));
    w.commit();
    expect(readFileSync(chunked)).toEqual(readFileSync(whole));
  });

  it('is atomic: a failed or unfinished write never replaces the file under its final name', () => {
    const file = join(dir, 'atomic.safetensors');
    writeSafetensors(file, [{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([42]) }]);
    const before = readFileSync(file);
    const bad = () =>
      writeSafetensors(file, [
        { name: 'x', dtype: 'F32', shape: [1], data: new Float32Array([7]) },
        { name: 'y', dtype: 'F32', shape: [3], data: new Float32Array([1, 2]) },
      ]);
    expect(bad).toThrow(`${file}: tensor "y" has 2 values but shape [3] needs 3`);
    expect(readFileSync(file)).toEqual(before);

    const unfinished = SafetensorsWriter.create(file, [{ name: 'x', dtype: 'F16', shape: [4] }]);
    unfinished.append(new Float32Array([1, 2]));
    expect(readFileSync(file)).toEqual(before); // mid-write (as if the process died now): old file intact
    expect(() => unfinished.commit()).toThrow(`${file}: tensor "x" got 2 of its 4 values`);
    expect(readFileSync(file)).toEqual(before);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('rejects bad tensors given to the writer', () => {
    const file = join(dir, 'rejected.safetensors');
    const t = (name: string, dtype: string, shape: number[]) => ({
      name,
      dtype: dtype as WritableDtype,
      shape,
      data: new Float32Array(1),
    });
    expect(() => writeSafetensors(file, [t('a', 'F32', [1]), t('a', 'F32', [1])])).toThrow(
      `${file}: tensor "a" is given twice`,
    );
    expect(() => writeSafetensors(file, [t('a', 'I32', [1])])).toThrow(
      `${file}: tensor "a" has dtype "I32" (can write F32, F16, BF16)`,
    );
    expect(() => writeSafetensors(file, [t('a', 'F32', [-1])])).toThrow(`${file}: tensor "a" has shape [-1]`);
    expect(() => writeSafetensors(file, [t('__metadata__', 'F32', [1])])).toThrow('is not a valid tensor name');
    expect(existsSync(file)).toBe(false);
  });
});

describe('sharded checkpoints', () => {
  const tensors: WriteTensor[] = [
    {
      name: 'model.embed_tokens.weight',
      dtype: 'BF16',
      shape: [10, 4],
      data: Float32Array.from({ length: 40 }, (_, i) => i - 20),
    }, // 80 B
    { name: 'model.norm.weight', dtype: 'F32', shape: [4], data: new Float32Array([1, 2, 3, 4]) }, // 16 B
    { name: 'model.layers.0.w', dtype: 'F16', shape: [30], data: Float32Array.from({ length: 30 }, (_, i) => i / 8) }, // 60 B
    { name: 'big', dtype: 'F32', shape: [50], data: Float32Array.from({ length: 50 }, (_, i) => i * 0.25) }, // 200 B > max
    { name: 'tail', dtype: 'F32', shape: [2], data: new Float32Array([5, 6]) }, // 8 B
  ];

  it('splits by max shard size with Hugging Face names and index, and reads back every tensor', () => {
    const folder = join(dir, 'sharded');
    writeCheckpoint(folder, tensors, { maxShardBytes: 100 });
    // 80+16 fit in 100; 60 alone (60+200 > 100); 200 alone (oversized); 8 alone (200+8 > 100).
    const shards = [
      'model-00001-of-00004.safetensors',
      'model-00002-of-00004.safetensors',
      'model-00003-of-00004.safetensors',
      'model-00004-of-00004.safetensors',
    ];
    expect(readdirSync(folder).sort()).toEqual([...shards, 'model.safetensors.index.json']);
    const index = JSON.parse(readFileSync(join(folder, 'model.safetensors.index.json'), 'utf8'));
    expect(index).toEqual({
      metadata: { total_size: 364 },
      weight_map: {
        big: shards[2],
        'model.embed_tokens.weight': shards[0],
        'model.layers.0.w': shards[1],
        'model.norm.weight': shards[0],
        tail: shards[3],
      },
    });
    expect(Object.keys(index.weight_map)).toEqual(Object.keys(index.weight_map).sort());
    const viaIndex = Checkpoint.open(join(folder, 'model.safetensors.index.json'));
    expect(viaIndex.shardFiles()).toEqual(shards.map((s) => join(folder, s)));
    viaIndex.close();
    const c = Checkpoint.open(folder);
    expect(c.metadata()).toEqual({ format: 'pt' });
    expect(
      c
        .entries()
        .map((e) => e.name)
        .sort(),
    ).toEqual(tensors.map((t) => t.name).sort());
    for (const t of tensors) expectSameBits(c.readFloat32(t.name), t.data as Float32Array, t.name);
    c.close();
  });

  it('materialises lazily given tensors one at a time, in write order', () => {
    const log: string[] = [];
    const lazy = tensors.map((t) => ({
      ...t,
      data: () => {
        log.push(`make ${t.name}`);
        return t.data as Float32Array;
      },
    }));
    writeCheckpoint(join(dir, 'lazy'), lazy, { maxShardBytes: 100 });
    expect(log).toEqual([
      'make model.norm.weight',
      'make model.embed_tokens.weight',
      'make model.layers.0.w',
      'make big',
      'make tail',
    ]);
  });

  it('follows shard symlinks that lead outside the folder, as in the Hugging Face hub cache', () => {
    // hub cache: snapshots/<rev>/<file> are symlinks to ../../blobs/<hash>; only the names are checked.
    const cache = join(dir, 'hub-cache');
    const source = join(dir, 'hub-source');
    writeCheckpoint(source, tensors, { maxShardBytes: 250 });
    const snapshot = join(cache, 'snapshots', 'abc123');
    mkdirSync(join(cache, 'blobs'), { recursive: true });
    mkdirSync(snapshot, { recursive: true });
    for (const name of readdirSync(source)) {
      renameSync(join(source, name), join(cache, 'blobs', `blob-${name}`));
      symlinkSync(join('..', '..', 'blobs', `blob-${name}`), join(snapshot, name));
    }
    const c = Checkpoint.open(snapshot);
    expect(c.shardFiles()).toEqual([
      join(snapshot, 'model-00001-of-00002.safetensors'),
      join(snapshot, 'model-00002-of-00002.safetensors'),
    ]);
    expectSameBits(c.readFloat32('big'), tensors[3].data as Float32Array, 'big');
    c.close();
  });

  it('rewrites a folder in the other layout without leaving stale shards or index behind', () => {
    const folder = join(dir, 'relayout');
    writeCheckpoint(folder, tensors, { maxShardBytes: 100 });
    writeFileSync(join(folder, 'config.json'), '{}');
    writeCheckpoint(folder, tensors.slice(0, 2));
    expect(readdirSync(folder).sort()).toEqual(['config.json', 'model.safetensors']);
    writeCheckpoint(folder, tensors, { maxShardBytes: 250 });
    expect(readdirSync(folder).sort()).toEqual([
      'config.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
    const c = Checkpoint.open(folder);
    expect(c.entries().length).toBe(tensors.length);
    c.close();
  });
});

describe('lazy reading', () => {
  it('reads one small tensor from a 5 GiB (sparse) file without touching the rest', () => {
    const file = join(dir, 'huge.safetensors');
    const bigBytes = 5 * 2 ** 30; // a 5 GiB tensor
    const header = Buffer.from(
      JSON.stringify({
        big: { dtype: 'BF16', shape: [bigBytes / 2], data_offsets: [0, bigBytes] },
        tail: { dtype: 'F32', shape: [3], data_offsets: [bigBytes, bigBytes + 12] },
      }),
    );
    const fd = openSync(file, 'w');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(BigInt(header.length));
    writeSync(fd, prefix, 0, 8, 0);
    writeSync(fd, header, 0, header.length, 8);
    const tail = new Float32Array([1.5, -2, 3e-8]);
    // Written past 2^32: offsets must not be truncated to 32 bits anywhere.
    writeSync(fd, new Uint8Array(tail.buffer), 0, 12, 8 + header.length + bigBytes);
    ftruncateSync(fd, 8 + header.length + bigBytes + 12);
    closeSync(fd);

    const rssBefore = process.memoryUsage().rss;
    const c = Checkpoint.open(file);
    expect(c.entries().map((e) => [e.name, e.byteLength])).toEqual([
      ['big', bigBytes],
      ['tail', 12],
    ]);
    expectSameBits(c.readFloat32('tail'), tail, 'tail');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 2 ** 20);
    c.close();
    rmSync(file);
  });
});
