// One .safetensors file opened for lazy reading: the header is parsed on open, tensor bytes are
// read at their offsets only when asked for, so a multi-GB shard is loaded tensor by tensor.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { endianness } from 'node:os';
import { MixdistillError } from '../errors';
import { decodeToFloat32, decodeToInt32 } from './decode';
import { DTYPE_BYTES, elementCount } from './dtype';
import { readExactly, readHeader, type HeaderEntry } from './header';

// Tensor bytes are little-endian and viewed in place through typed arrays.
if (endianness() !== 'LE') throw new Error('safetensors I/O assumes a little-endian host');

/** Bytes decoded per step when converting, so conversion needs only this much extra memory. */
const DECODE_CHUNK_BYTES = 1 << 22;

export class SafetensorsFile {
  private fd: number | undefined;
  private readonly byName: Map<string, HeaderEntry>;

  private constructor(
    /** The path as given to open(). */
    readonly file: string,
    fd: number,
    /** Tensors in file order. */
    readonly entries: readonly HeaderEntry[],
    readonly metadata: Readonly<Record<string, string>>,
    private readonly dataStart: number,
  ) {
    this.fd = fd;
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Opens and validates `file`; the file stays open (one descriptor) until close(). */
  static open(file: string): SafetensorsFile {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      throw new MixdistillError(
        `${file}: cannot open (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    try {
      if (!fstatSync(fd).isFile()) throw new MixdistillError(`${file}: not a regular file`);
      const header = readHeader(fd, file);
      return new SafetensorsFile(file, fd, header.entries, header.metadata, header.dataStart);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  entry(name: string): HeaderEntry {
    const e = this.byName.get(name);
    if (!e) throw new MixdistillError(`${this.file}: no tensor named ${JSON.stringify(name)}`);
    return e;
  }

  /** The tensor's raw little-endian bytes, in a fresh buffer or in `into` (exactly the tensor's size). */
  readBytes(name: string, into?: Uint8Array): Uint8Array {
    const e = this.entry(name);
    if (into && into.byteLength !== e.end - e.begin) {
      throw new Error(`readBytes: ${name} has ${e.end - e.begin} bytes, the buffer ${into.byteLength}`);
    }
    const out = into ?? new Uint8Array(e.end - e.begin);
    readExactly(this.descriptor(), out, this.dataStart + e.begin, this.file);
    return out;
  }

  /** The tensor as float32 (F16/BF16 exactly; F64 and large I64 rounded to nearest float32). */
  readFloat32(name: string): Float32Array {
    const e = this.entry(name);
    const out = new Float32Array(elementCount(e.shape));
    if (e.dtype === 'F32') {
      readExactly(this.descriptor(), new Uint8Array(out.buffer), this.dataStart + e.begin, this.file); // no conversion: read in place
      return out;
    }
    this.decodeInChunks(e, (raw, count, offset) => decodeToFloat32(e.dtype, raw, count, out, offset));
    return out;
  }

  /** The tensor as int32; only integer dtypes, and I64 values must fit in int32. */
  readInt32(name: string): Int32Array {
    const e = this.entry(name);
    const out = new Int32Array(elementCount(e.shape));
    const where = `${this.file}: tensor ${JSON.stringify(name)}`;
    this.decodeInChunks(e, (raw, count, offset) => decodeToInt32(e.dtype, raw, count, out, offset, where));
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private descriptor(): number {
    if (this.fd === undefined) throw new MixdistillError(`${this.file}: read after close()`);
    return this.fd;
  }

  /** Reads the tensor in aligned chunks of whole elements and hands each to `decode`. */
  private decodeInChunks(e: HeaderEntry, decode: (raw: ArrayBuffer, count: number, outOffset: number) => void): void {
    const elementBytes = DTYPE_BYTES[e.dtype];
    const total = elementCount(e.shape);
    const perChunk = Math.max(1, Math.floor(DECODE_CHUNK_BYTES / elementBytes));
    const scratch = new ArrayBuffer(Math.min(total, perChunk) * elementBytes);
    for (let done = 0; done < total; done += perChunk) {
      const count = Math.min(perChunk, total - done);
      const raw = new Uint8Array(scratch, 0, count * elementBytes);
      readExactly(this.descriptor(), raw, this.dataStart + e.begin + done * elementBytes, this.file);
      decode(scratch, count, done);
    }
  }
}
