// Saving a checkpoint in the Hugging Face layout: model.safetensors when it fits one shard,
// otherwise model-0000i-of-0000n.safetensors shards plus model.safetensors.index.json.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '../errors';
import { writeFileAtomic } from './atomic_file';
import { INDEX_FILE, SINGLE_FILE, formatCheckpointIndex } from './checkpoint_index';
import { DTYPE_BYTES, elementCount, isValidShape, isWritableDtype } from './dtype';
import { DEFAULT_MAX_SHARD_BYTES, SHARD_FILE_PATTERN, planShards, shardFileName } from './shard_plan';
import { writeSafetensors, type WriteTensor } from './writer';

export interface WriteCheckpointOptions {
  /** Largest shard, in tensor bytes (default 5e9, transformers' "5GB"). */
  maxShardBytes?: number;
  /** `__metadata__` of every shard; `format: "pt"` is added unless given, as transformers requires it to load. */
  metadata?: Record<string, string>;
}

/**
 * Writes `tensors` into `dir` (created if needed). Each file is written atomically and the index
 * last; files of an earlier save in another layout are removed afterwards so the folder has one
 * consistent checkpoint. For an all-or-nothing save, write into a fresh folder and rename it.
 */
export function writeCheckpoint(dir: string, tensors: readonly WriteTensor[], opts: WriteCheckpointOptions = {}): void {
  const maxShardBytes = opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES;
  if (!(maxShardBytes > 0)) throw new MixdistillError(`maxShardBytes must be positive, got ${maxShardBytes}`);
  const metadata = { format: 'pt', ...opts.metadata };
  mkdirSync(dir, { recursive: true });

  // Checked here because shards are sized before any file (which checks its own tensors) is written.
  const seen = new Set<string>();
  const sized = tensors.map((t) => {
    const where = `${dir}: tensor ${JSON.stringify(t.name)}`;
    if (seen.has(t.name)) throw new MixdistillError(`${where} is given twice`);
    seen.add(t.name);
    if (!isWritableDtype(t.dtype))
      throw new MixdistillError(`${where} has dtype ${JSON.stringify(t.dtype)} (can write F32, F16, BF16)`);
    if (!isValidShape(t.shape))
      throw new MixdistillError(`${where} has shape ${JSON.stringify(t.shape)} (expected non-negative integers)`);
    return { tensor: t, bytes: elementCount(t.shape) * DTYPE_BYTES[t.dtype] };
  });
  const shards = planShards(sized, maxShardBytes);
  if (shards.length === 1) {
    writeSafetensors(join(dir, SINGLE_FILE), tensors, metadata);
    removeStale(dir, new Set([SINGLE_FILE]));
    return;
  }
  const weightMap = new Map<string, string>();
  const names = new Set<string>();
  shards.forEach((shard, i) => {
    const name = shardFileName(i, shards.length);
    writeSafetensors(
      join(dir, name),
      shard.map((s) => s.tensor),
      metadata,
    );
    for (const s of shard) weightMap.set(s.tensor.name, name);
    names.add(name);
  });
  const totalSize = sized.reduce((sum, s) => sum + s.bytes, 0);
  writeFileAtomic(join(dir, INDEX_FILE), formatCheckpointIndex(weightMap, totalSize));
  names.add(INDEX_FILE);
  removeStale(dir, names);
}

/** Removes checkpoint files (model.safetensors, its index, model-*-of-*.safetensors) not in `keep`. */
function removeStale(dir: string, keep: ReadonlySet<string>): void {
  for (const name of readdirSync(dir)) {
    const isCheckpointFile = name === SINGLE_FILE || name === INDEX_FILE || SHARD_FILE_PATTERN.test(name);
    if (isCheckpointFile && !keep.has(name)) rmSync(join(dir, name), { force: true });
  }
}
