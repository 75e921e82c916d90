// Every way a safetensors file or checkpoint index can be broken gets a one-line MixdistillError
// that names the file and the problem. Each case writes a real malformed file to a temporary folder.
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MixdistillError } from '../errors';
import { Checkpoint } from './checkpoint';
import { writeSafetensors } from './writer';

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-st-bad-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Writes header length (u64 LE, `headerLength` or the real one), header bytes and data bytes. */
function rawFile(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), headerLength?: number): string {
  const file = join(dir, `bad-${counter++}.safetensors`);
  const headerBytes = typeof header === 'string' ? Buffer.from(header, 'utf8') : Buffer.from(header);
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerLength ?? headerBytes.length));
  writeFileSync(file, Buffer.concat([prefix, headerBytes, data]));
  return file;
}

/** Opens `path` and returns the MixdistillError message it must fail with. */
function openError(path: string): string {
  try {
    Checkpoint.open(path).close();
  } catch (err) {
    expect(err).toBeInstanceOf(MixdistillError);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`${path} opened without error`);
}

const f32 = (n: number) => new Uint8Array(4 * n);

describe('malformed .safetensors files', () => {
  it('rejects a file shorter than 8 bytes', () => {
    const file = join(dir, 'short.safetensors');
    writeFileSync(file, Buffer.from([1, 2, 3, 4, 5]));
    expect(openError(file)).toBe(`${file}: not a safetensors file (5 bytes, shorter than the 8-byte header length)`);
  });

  it('rejects a header length beyond the end of the file', () => {
    const file = rawFile('{}', new Uint8Array(0), 1000);
    expect(openError(file)).toBe(`${file}: header length 1000 goes beyond the end of the file (10 bytes)`);
  });

  it('rejects a header length above 100 MB even when the file is that long (sparse file)', () => {
    const file = join(dir, 'huge-header.safetensors');
    const fd = openSync(file, 'w');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(150_000_000n);
    writeSync(fd, prefix, 0, 8, 0);
    ftruncateSync(fd, 150_000_100); // holes: no disk space used, nothing read
    closeSync(fd);
    expect(openError(file)).toBe(
      `${file}: header length 150000000 is above the 100000000-byte limit (corrupt or not a safetensors file)`,
    );
  });

  it('rejects a header that is not valid UTF-8', () => {
    const file = rawFile(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])); // {"\xff\xfe":1}
    expect(openError(file)).toBe(`${file}: header is not valid UTF-8`);
  });

  it('rejects a header that is not valid JSON', () => {
    const file = rawFile('{"a": {"dtype": "F32",');
    expect(openError(file)).toMatch(new RegExp(`^${escapeRegExp(file)}: header is not valid JSON \\(.+\\)$`));
  });

  it('rejects a header that is JSON but not an object', () => {
    const file = rawFile('[1, 2]');
    expect(openError(file)).toBe(`${file}: header is not a JSON object`);
  });

  it('rejects an unknown dtype', () => {
    const file = rawFile('{"w": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}', new Uint8Array(2));
    expect(openError(file)).toBe(
      `${file}: tensor "w" has unsupported dtype "F8_E4M3" (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)`,
    );
  });

  it('rejects a negative dimension', () => {
    const file = rawFile('{"w": {"dtype": "F32", "shape": [-1, 2], "data_offsets": [0, 8]}}', f32(2));
    expect(openError(file)).toBe(`${file}: tensor "w" has shape [-1,2] (expected an array of non-negative integers)`);
  });

  it('rejects a non-integer dimension', () => {
    const file = rawFile('{"w": {"dtype": "F32", "shape": [1.5, 2], "data_offsets": [0, 8]}}', f32(2));
    expect(openError(file)).toBe(`${file}: tensor "w" has shape [1.5,2] (expected an array of non-negative integers)`);
  });

  it('rejects data_offsets outside the data area', () => {
    const file = rawFile('{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}', f32(2));
    expect(openError(file)).toBe(`${file}: tensor "w" has data_offsets [0, 16] outside the data area (8 bytes)`);
  });

  it('rejects data_offsets that are not [begin, end] with begin <= end', () => {
    const file = rawFile('{"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}}', f32(2));
    expect(openError(file)).toBe(
      `${file}: tensor "w" has data_offsets [8,4] (expected [begin, end] with 0 <= begin <= end)`,
    );
  });

  it('rejects overlapping tensors', () => {
    const header =
      '{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}';
    const file = rawFile(header, f32(3));
    expect(openError(file)).toBe(`${file}: tensor "b" [4, 12] overlaps tensor "a" [0, 8]`);
  });

  it('rejects a hole between tensors', () => {
    const header =
      '{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}';
    const file = rawFile(header, f32(3));
    expect(openError(file)).toBe(`${file}: data bytes [4, 8) belong to no tensor (hole before "b")`);
  });

  it('rejects trailing bytes that belong to no tensor', () => {
    const file = rawFile('{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', f32(2));
    expect(openError(file)).toBe(`${file}: data bytes [4, 8) at the end of the file belong to no tensor`);
  });

  it('rejects a byte length that does not match shape x dtype size', () => {
    const file = rawFile('{"w": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 8]}}', f32(2));
    expect(openError(file)).toBe(`${file}: tensor "w" holds 8 bytes but shape [3] of BF16 needs 6`);
  });

  it('rejects a tensor named twice, which JSON.parse would silently collapse', () => {
    const entry = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}';
    const file = rawFile(`{"w": ${entry}, "w": ${entry}}`, f32(1));
    expect(openError(file)).toBe(`${file}: header names "w" twice`);
  });

  it('rejects duplicates spelled with escapes, and accepts the same name nested elsewhere', () => {
    const entry = '{"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}';
    const escaped = rawFile(`{"wa": ${entry}, "w\\u0061": ${entry}}`, f32(1));
    expect(openError(escaped)).toBe(`${escaped}: header names "wa" twice`);
    const nested = rawFile(`{"__metadata__": {"dtype": "x", "note": "{\\"dtype\\": 1}"}, "dtype": ${entry}}`, f32(1));
    const c = Checkpoint.open(nested);
    expect(c.entries().map((e) => e.name)).toEqual(['dtype']);
    expect(c.metadata()).toEqual({ dtype: 'x', note: '{"dtype": 1}' });
    c.close();
  });

  it('rejects __metadata__ values that are not strings', () => {
    const file = rawFile('{"__metadata__": {"format": 1}}');
    expect(openError(file)).toBe(`${file}: __metadata__.format must be a string, got 1`);
  });

  it('names a missing tensor and rejects integer reads of float tensors', () => {
    const file = rawFile('{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', f32(1));
    const c = Checkpoint.open(file);
    expect(() => c.readFloat32('v')).toThrow(`${file}: no tensor named "v"`);
    expect(() => c.readInt32('w')).toThrow(`${file}: tensor "w": is F32, expected an integer dtype`);
    c.close();
  });

  it('rejects I64 values that do not fit in int32 when read as int32', () => {
    const data = new BigInt64Array([1n, 2n ** 40n]);
    const file = rawFile(
      '{"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}',
      new Uint8Array(data.buffer),
    );
    const c = Checkpoint.open(file);
    expect(() => c.readInt32('ids')).toThrow(`${file}: tensor "ids": I64 value 1099511627776 does not fit in int32`);
    expect(Array.from(c.readFloat32('ids'))).toEqual([1, 2 ** 40]);
    c.close();
  });
});

describe('malformed sharded checkpoints', () => {
  /** A fresh folder with one good shard `s1.safetensors` holding tensor "a" = [1, 2], and the given index. */
  function mk(weightMap: Record<string, string>): string {
    const folder = join(dir, `ckpt-${counter++}`);
    mkdirSync(folder);
    writeSafetensors(join(folder, 's1.safetensors'), [
      { name: 'a', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
    ]);
    writeFileSync(
      join(folder, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: 8 }, weight_map: weightMap }),
    );
    return folder;
  }

  it('reads a valid one', () => {
    const folder = mk({ a: 's1.safetensors' });
    const c = Checkpoint.open(folder);
    expect(Array.from(c.readFloat32('a'))).toEqual([1, 2]);
    expect(c.indexTotalSize).toBe(8);
    c.close();
  });

  it('rejects a shard path that climbs out of the folder', () => {
    const folder = mk({ a: '../s1.safetensors' });
    const index = join(folder, 'model.safetensors.index.json');
    expect(openError(folder)).toBe(
      `${index}: weight_map["a"] = "../s1.safetensors" points outside the checkpoint folder`,
    );
  });

  it('rejects an absolute shard path', () => {
    const folder = mk({ a: '/etc/passwd' });
    const index = join(folder, 'model.safetensors.index.json');
    expect(openError(folder)).toBe(`${index}: weight_map["a"] = "/etc/passwd" points outside the checkpoint folder`);
  });

  it('rejects a missing shard', () => {
    const folder = mk({ a: 's1.safetensors', b: 's2.safetensors' });
    const index = join(folder, 'model.safetensors.index.json');
    expect(openError(folder)).toBe(`${index}: shard "s2.safetensors" listed in weight_map is missing`);
  });

  it('rejects a shard name that is a folder', () => {
    const folder = mk({ a: 'sub' });
    mkdirSync(join(folder, 'sub'));
    expect(openError(folder)).toBe(`${join(folder, 'sub')}: not a regular file`);
  });

  it('rejects a tensor that its shard lacks', () => {
    const folder = mk({ a: 's1.safetensors', b: 's1.safetensors' });
    const index = join(folder, 'model.safetensors.index.json');
    expect(openError(folder)).toBe(`${index}: weight_map puts "b" in s1.safetensors, which has no such tensor`);
  });

  it('rejects a shard tensor that the index does not list', () => {
    const folder = mk({});
    const index = join(folder, 'model.safetensors.index.json');
    expect(openError(folder)).toBe(`${index}: weight_map is empty`);
    const other = mk({ a: 's1.safetensors' });
    writeSafetensors(join(other, 's2.safetensors'), [
      { name: 'b', dtype: 'F32', shape: [1], data: new Float32Array([3]) },
      { name: 'c', dtype: 'F32', shape: [1], data: new Float32Array([4]) },
    ]);
    writeFileSync(
      join(other, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }),
    );
    expect(openError(other)).toBe(
      `${join(other, 'model.safetensors.index.json')}: s2.safetensors holds "c", which weight_map does not map to it`,
    );
  });

  it('rejects an index that is not JSON, lacks weight_map, or has a bad total_size', () => {
    const folder = mk({ a: 's1.safetensors' });
    const index = join(folder, 'model.safetensors.index.json');
    writeFileSync(index, '{"weight_map": ');
    expect(openError(folder)).toMatch(new RegExp(`^${escapeRegExp(index)}: not valid JSON \\(.+\\)$`));
    writeFileSync(index, '{"metadata": {}}');
    expect(openError(folder)).toBe(`${index}: weight_map must be an object of tensor name -> shard file`);
    writeFileSync(index, '{"metadata": {"total_size": -3}, "weight_map": {"a": "s1.safetensors"}}');
    expect(openError(folder)).toBe(`${index}: metadata.total_size must be a non-negative integer, got -3`);
  });

  it('rejects a folder with no checkpoint and a path that does not exist', () => {
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(openError(empty)).toBe(`${empty}: folder has neither model.safetensors nor model.safetensors.index.json`);
    expect(openError(join(dir, 'nope'))).toBe(`${join(dir, 'nope')}: no such file or folder`);
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
