// Parsing and validation of a safetensors header: 8-byte little-endian length N, N bytes of UTF-8
// JSON, then the data area. Checks follow the safetensors reference implementation
// (huggingface/safetensors `Metadata::validate`): offsets must tile the data area exactly.
import { fstatSync, readSync } from 'node:fs';
import { MixdistillError } from '../errors';
import {
  DTYPE_BYTES,
  SAFETENSORS_DTYPES,
  elementCount,
  isSafetensorsDtype,
  isValidShape,
  type SafetensorsDtype,
} from './dtype';
import { findDuplicateTopLevelKey } from './duplicate_keys';

/** Largest header accepted, as the reference implementation (`MAX_HEADER_SIZE`). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor described by a header. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range [begin, end) relative to the start of the data area. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Tensors in the order their bytes appear in the file. */
  entries: HeaderEntry[];
  /** The `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
  /** Absolute file offset of the data area (8 + header length). */
  dataStart: number;
}

const METADATA_KEY = '__metadata__';

/** Reads and validates the header of an open file; reads only the header bytes, never the data. */
export function readHeader(fd: number, file: string): SafetensorsHeader {
  const fileSize = fstatSync(fd).size;
  if (fileSize < 8)
    throw new MixdistillError(
      `${file}: not a safetensors file (${fileSize} bytes, shorter than the 8-byte header length)`,
    );
  const prefix = Buffer.alloc(8);
  readExactly(fd, prefix, 0, file);
  const declaredLength = prefix.readBigUInt64LE(0); // a bigint: a garbage u64 must be reported exactly
  if (declaredLength > BigInt(MAX_HEADER_BYTES)) {
    throw new MixdistillError(
      `${file}: header length ${declaredLength} is above the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`,
    );
  }
  const headerLength = Number(declaredLength);
  if (8 + headerLength > fileSize) {
    throw new MixdistillError(
      `${file}: header length ${headerLength} goes beyond the end of the file (${fileSize} bytes)`,
    );
  }
  const headerBytes = Buffer.alloc(headerLength);
  readExactly(fd, headerBytes, 8, file);
  const dataStart = 8 + headerLength;
  return { ...parseHeader(file, headerBytes, fileSize - dataStart), dataStart };
}

/** Validates the JSON header of a file whose data area holds `dataSize` bytes. */
export function parseHeader(
  file: string,
  headerBytes: Uint8Array,
  dataSize: number,
): Omit<SafetensorsHeader, 'dataStart'> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new MixdistillError(`${file}: header is not valid UTF-8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MixdistillError(`${file}: header is not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new MixdistillError(`${file}: header is not a JSON object`);
  }
  const duplicate = findDuplicateTopLevelKey(text);
  if (duplicate !== undefined) throw new MixdistillError(`${file}: header names ${JSON.stringify(duplicate)} twice`);

  const record = json as Record<string, unknown>;
  const metadata = parseMetadata(file, record[METADATA_KEY]);
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(record)) {
    if (name === METADATA_KEY) continue;
    entries.push(parseEntry(file, name, value, dataSize));
  }
  checkTiling(file, entries, dataSize);
  return { entries, metadata };
}

function parseMetadata(file: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MixdistillError(`${file}: ${METADATA_KEY} must be an object of strings`);
  }
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      throw new MixdistillError(`${file}: ${METADATA_KEY}.${k} must be a string, got ${JSON.stringify(v)}`);
  }
  return { ...(value as Record<string, string>) };
}

function parseEntry(file: string, name: string, value: unknown, dataSize: number): HeaderEntry {
  const where = `${file}: tensor ${JSON.stringify(name)}`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MixdistillError(`${where} must be an object with dtype, shape and data_offsets`);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) {
    throw new MixdistillError(
      `${where} has unsupported dtype ${JSON.stringify(dtype)} (expected one of ${SAFETENSORS_DTYPES.join(', ')})`,
    );
  }
  if (!isValidShape(shape)) {
    throw new MixdistillError(
      `${where} has shape ${JSON.stringify(shape)} (expected an array of non-negative integers)`,
    );
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) ||
    offsets[0] > offsets[1]
  ) {
    throw new MixdistillError(
      `${where} has data_offsets ${JSON.stringify(offsets)} (expected [begin, end] with 0 <= begin <= end)`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataSize) {
    throw new MixdistillError(`${where} has data_offsets [${begin}, ${end}] outside the data area (${dataSize} bytes)`);
  }
  const expected = elementCount(shape) * DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    throw new MixdistillError(
      `${where} holds ${end - begin} bytes but shape ${JSON.stringify(shape)} of ${dtype} needs ${expected}`,
    );
  }
  return { name, dtype, shape, begin, end };
}

/** Sorts entries by offset and checks that they cover [0, dataSize) with no overlap and no hole. */
function checkTiling(file: string, entries: HeaderEntry[], dataSize: number): void {
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const e of entries) {
    if (e.begin < covered) {
      throw new MixdistillError(
        `${file}: tensor ${JSON.stringify(e.name)} [${e.begin}, ${e.end}] overlaps tensor ${JSON.stringify(previous?.name)} [${previous?.begin}, ${previous?.end}]`,
      );
    }
    if (e.begin > covered) {
      throw new MixdistillError(
        `${file}: data bytes [${covered}, ${e.begin}) belong to no tensor (hole before ${JSON.stringify(e.name)})`,
      );
    }
    covered = e.end;
    previous = e;
  }
  if (covered !== dataSize) {
    throw new MixdistillError(
      `${file}: data bytes [${covered}, ${dataSize}) at the end of the file belong to no tensor`,
    );
  }
}

/** Fills `buffer` from `position`, failing clearly if the file is shorter than it said. */
export function readExactly(fd: number, buffer: Uint8Array, position: number, file: string): void {
  let done = 0;
  while (done < buffer.length) {
    // readSync reads at most 2 GiB - 1 bytes per call.
    const n = readSync(fd, buffer, done, Math.min(buffer.length - done, 0x7fff_f000), position + done);
    if (n === 0)
      throw new MixdistillError(`${file}: file ended early at byte ${position + done} (was it truncated while open?)`);
    done += n;
  }
}
