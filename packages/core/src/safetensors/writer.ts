// Writing .safetensors files from float32 data, encoded to F32, F16 or BF16 on the way out.
// The header is fixed up front, then values are appended in chunks, so a caller can stream a large
// model tensor by tensor (or slice by slice) without building the whole file in memory.
import { MixdistillError } from '../errors';
import { AtomicFile } from './atomic_file';
import { DTYPE_BYTES, WRITABLE_DTYPES, elementCount, isValidShape, isWritableDtype, type WritableDtype } from './dtype';
import { encodeBfloat16, encodeFloat16 } from './half_float';

/** What a file will hold, before any value is written. */
export interface TensorSpec {
  name: string;
  /** Stored element type; values are given as float32 and rounded to nearest even. */
  dtype: WritableDtype;
  shape: number[];
}

/** One tensor to write. */
export interface WriteTensor extends TensorSpec {
  /** Row-major values, or a function producing them just in time so only one tensor is materialised at once. */
  data: Float32Array | (() => Float32Array);
}

/** Elements encoded per step for F16/BF16, bounding the writer's scratch memory. */
const ENCODE_CHUNK_ELEMENTS = 1 << 16;

/** Streams one .safetensors file: create(), append() every tensor's values in spec order, commit(). */
export class SafetensorsWriter {
  /** Index of the tensor the next value belongs to, and how many of its values are written. */
  private tensor = 0;
  private written = 0;
  private readonly scratch = new Uint16Array(ENCODE_CHUNK_ELEMENTS);

  private constructor(
    private readonly out: AtomicFile,
    private readonly specs: readonly TensorSpec[],
    private readonly counts: readonly number[],
  ) {}

  /** Validates the specs, writes the header to a temporary file and waits for values. */
  static create(file: string, specs: readonly TensorSpec[], metadata: Record<string, string> = {}): SafetensorsWriter {
    const header = buildHeader(file, specs, metadata);
    const out = AtomicFile.create(file);
    try {
      out.write(header);
    } catch (err) {
      out.abort();
      throw err;
    }
    return new SafetensorsWriter(
      out,
      specs,
      specs.map((s) => elementCount(s.shape)),
    );
  }

  /** Appends the next values; a chunk may end inside a tensor or span several. */
  append(values: Float32Array): void {
    let offset = 0;
    while (offset < values.length) {
      this.skipCompleteTensors();
      if (this.tensor >= this.specs.length) {
        this.abort();
        throw new MixdistillError(`${this.out.file}: more values given than the tensors' shapes hold`);
      }
      const n = Math.min(values.length - offset, this.counts[this.tensor] - this.written);
      this.writeEncoded(this.specs[this.tensor].dtype, values.subarray(offset, offset + n));
      this.written += n;
      offset += n;
    }
  }

  /** Checks every value was given, then makes the file appear under its name. */
  commit(): void {
    this.skipCompleteTensors();
    if (this.tensor < this.specs.length) {
      const spec = this.specs[this.tensor];
      this.abort();
      throw new MixdistillError(
        `${this.out.file}: tensor ${JSON.stringify(spec.name)} got ${this.written} of its ${this.counts[this.tensor]} values`,
      );
    }
    this.out.commit();
  }

  /** Discards everything written; the final file name is left untouched. */
  abort(): void {
    this.out.abort();
  }

  private skipCompleteTensors(): void {
    while (this.tensor < this.specs.length && this.written === this.counts[this.tensor]) {
      this.tensor++;
      this.written = 0;
    }
  }

  private writeEncoded(dtype: WritableDtype, values: Float32Array): void {
    if (dtype === 'F32') {
      this.out.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return;
    }
    const encode = dtype === 'F16' ? encodeFloat16 : encodeBfloat16;
    for (let i = 0; i < values.length; i += ENCODE_CHUNK_ELEMENTS) {
      const part = values.subarray(i, i + ENCODE_CHUNK_ELEMENTS);
      const bits = this.scratch.subarray(0, part.length);
      encode(part, bits);
      this.out.write(new Uint8Array(bits.buffer, 0, bits.byteLength));
    }
  }
}

/**
 * Writes `tensors` to `file` atomically. Tensors are laid out widest dtype first (F32 before
 * F16/BF16), as the reference implementation does, so every tensor's bytes stay aligned to its dtype.
 */
export function writeSafetensors(
  file: string,
  tensors: readonly WriteTensor[],
  metadata: Record<string, string> = {},
): void {
  const ordered = [...tensors].sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype]);
  const writer = SafetensorsWriter.create(file, ordered, metadata);
  try {
    for (const t of ordered) {
      const data = typeof t.data === 'function' ? t.data() : t.data;
      const expected = elementCount(t.shape);
      if (data.length !== expected) {
        throw new MixdistillError(
          `${file}: tensor ${JSON.stringify(t.name)} has ${data.length} values but shape ${JSON.stringify(t.shape)} needs ${expected}`,
        );
      }
      writer.append(data);
    }
  } catch (err) {
    writer.abort();
    throw err;
  }
  writer.commit();
}

/** Header bytes: length (u64 LE) + JSON padded with spaces so the data area starts 8-byte aligned. */
function buildHeader(file: string, specs: readonly TensorSpec[], metadata: Record<string, string>): Uint8Array {
  // No prototype, so a tensor named like an Object.prototype member (`__proto__`) is just a key.
  const json: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new MixdistillError(`${file}: metadata ${JSON.stringify(k)} must be a string`);
    }
    json.__metadata__ = metadata;
  }
  let offset = 0;
  for (const spec of specs) {
    const where = `${file}: tensor ${JSON.stringify(spec.name)}`;
    if (spec.name === '' || spec.name === '__metadata__')
      throw new MixdistillError(`${where} is not a valid tensor name`);
    if (Object.hasOwn(json, spec.name)) throw new MixdistillError(`${where} is given twice`);
    if (!isWritableDtype(spec.dtype)) {
      throw new MixdistillError(
        `${where} has dtype ${JSON.stringify(spec.dtype)} (can write ${WRITABLE_DTYPES.join(', ')})`,
      );
    }
    if (!isValidShape(spec.shape))
      throw new MixdistillError(`${where} has shape ${JSON.stringify(spec.shape)} (expected non-negative integers)`);
    const bytes = elementCount(spec.shape) * DTYPE_BYTES[spec.dtype];
    json[spec.name] = { dtype: spec.dtype, shape: spec.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const text = Buffer.from(JSON.stringify(json), 'utf8');
  const padded = Math.ceil(text.length / 8) * 8;
  const header = Buffer.alloc(8 + padded, 0x20);
  header.writeBigUInt64LE(BigInt(padded), 0);
  text.copy(header, 8);
  return header;
}
