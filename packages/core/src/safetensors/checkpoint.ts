// A model checkpoint opened for reading, whatever its layout: one .safetensors file, a folder with
// model.safetensors, or a sharded folder with model.safetensors.index.json (as transformers'
// save_pretrained writes). Only headers are read on open; tensors are read one at a time on demand.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MixdistillError } from '../errors';
import { INDEX_FILE, SINGLE_FILE, readCheckpointIndex } from './checkpoint_index';
import type { SafetensorsDtype } from './dtype';
import { SafetensorsFile } from './safetensors_file';

/** One tensor of a checkpoint, as listed by its header. */
export interface TensorEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  byteLength: number;
  /** Path of the .safetensors file that holds it (the checkpoint path joined with the shard name). */
  file: string;
}

export class Checkpoint {
  private readonly fileOf: Map<string, SafetensorsFile>;

  private constructor(
    /** The path given to open(), used in messages. */
    readonly path: string,
    /** Open shard files in order (one for an unsharded checkpoint). */
    private readonly files: SafetensorsFile[],
    /** `metadata.total_size` from the index, when sharded and present. */
    readonly indexTotalSize: number | undefined,
  ) {
    this.fileOf = new Map();
    for (const f of files) for (const e of f.entries) this.fileOf.set(e.name, f);
  }

  /**
   * Opens `fileOrDir`: a .safetensors file, a folder holding model.safetensors.index.json (sharded;
   * preferred when both exist, as transformers does) or model.safetensors, or an index file itself.
   */
  static open(fileOrDir: string): Checkpoint {
    let isDir: boolean;
    try {
      isDir = statSync(fileOrDir).isDirectory();
    } catch {
      throw new MixdistillError(`${fileOrDir}: no such file or folder`);
    }
    if (!isDir) {
      if (fileOrDir.endsWith('.index.json')) return Checkpoint.openSharded(fileOrDir, dirname(fileOrDir), fileOrDir);
      return new Checkpoint(fileOrDir, [SafetensorsFile.open(fileOrDir)], undefined);
    }
    const index = join(fileOrDir, INDEX_FILE);
    if (existsSync(index)) return Checkpoint.openSharded(index, fileOrDir, fileOrDir);
    const single = join(fileOrDir, SINGLE_FILE);
    if (existsSync(single)) return new Checkpoint(fileOrDir, [SafetensorsFile.open(single)], undefined);
    throw new MixdistillError(`${fileOrDir}: folder has neither ${SINGLE_FILE} nor ${INDEX_FILE}`);
  }

  private static openSharded(indexFile: string, dir: string, path: string): Checkpoint {
    const { weightMap, totalSize } = readCheckpointIndex(indexFile, dir);
    if (weightMap.size === 0) throw new MixdistillError(`${indexFile}: weight_map is empty`);
    // Sorted, so model-00001-of-… comes first whatever order the weight_map lists tensors in.
    const shardNames = [...new Set(weightMap.values())].sort();
    const files: SafetensorsFile[] = [];
    try {
      for (const shard of shardNames) {
        const shardPath = join(dir, shard);
        if (!existsSync(shardPath))
          throw new MixdistillError(`${indexFile}: shard ${JSON.stringify(shard)} listed in weight_map is missing`);
        files.push(SafetensorsFile.open(shardPath));
      }
      const byShard = new Map(shardNames.map((s, i) => [s, files[i]]));
      for (const [name, shard] of weightMap) {
        if (!byShard.get(shard)!.has(name)) {
          throw new MixdistillError(
            `${indexFile}: weight_map puts ${JSON.stringify(name)} in ${shard}, which has no such tensor`,
          );
        }
      }
      for (const [shard, file] of byShard) {
        for (const e of file.entries) {
          if (weightMap.get(e.name) !== shard) {
            throw new MixdistillError(
              `${indexFile}: ${shard} holds ${JSON.stringify(e.name)}, which weight_map does not map to it`,
            );
          }
        }
      }
    } catch (err) {
      for (const f of files) f.close();
      throw err;
    }
    return new Checkpoint(path, files, totalSize);
  }

  /** Every tensor, shard by shard (shards sorted by name), in file order within a shard. */
  entries(): TensorEntry[] {
    return this.files.flatMap((f) =>
      f.entries.map((e) => ({
        name: e.name,
        dtype: e.dtype,
        shape: [...e.shape],
        byteLength: e.end - e.begin,
        file: f.file,
      })),
    );
  }

  /** Paths of the .safetensors files, in order. */
  shardFiles(): string[] {
    return this.files.map((f) => f.file);
  }

  has(name: string): boolean {
    return this.fileOf.has(name);
  }

  /** The tensor as float32 (F16/BF16 decoded exactly; F64 and ints rounded to float32). */
  readFloat32(name: string): Float32Array {
    return this.fileFor(name).readFloat32(name);
  }

  /** The tensor as int32 (integer dtypes only; I64 must fit in int32). */
  readInt32(name: string): Int32Array {
    return this.fileFor(name).readInt32(name);
  }

  /** The tensor's raw little-endian bytes, in a fresh buffer or in `into` (exactly the tensor's size). */
  readBytes(name: string, into?: Uint8Array): Uint8Array {
    return this.fileFor(name).readBytes(name, into);
  }

  /** The first file's `__metadata__` (transformers writes the same map into every shard). */
  metadata(): Record<string, string> {
    return { ...this.files[0].metadata };
  }

  /** Closes every file descriptor; reads after this fail. */
  close(): void {
    for (const f of this.files) f.close();
  }

  private fileFor(name: string): SafetensorsFile {
    const f = this.fileOf.get(name);
    if (!f) throw new MixdistillError(`${this.path}: no tensor named ${JSON.stringify(name)}`);
    return f;
  }
}
