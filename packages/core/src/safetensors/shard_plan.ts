// How a checkpoint is split into shards, following transformers/huggingface_hub
// (`split_torch_state_dict_into_shards`): tensors are taken in order and a new shard starts when
// the next tensor would push the current one past the limit; a tensor larger than the limit gets a
// shard of its own. Sizes count tensor bytes only, not headers.

/** transformers' default `max_shard_size` ("5GB", decimal). */
export const DEFAULT_MAX_SHARD_BYTES = 5_000_000_000;

/** Groups items into shards of at most `maxShardBytes` (except single oversized items), keeping order. */
export function planShards<T extends { bytes: number }>(items: readonly T[], maxShardBytes: number): T[][] {
  const shards: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length > 0 && size + item.bytes > maxShardBytes) {
      shards.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += item.bytes;
  }
  if (current.length > 0 || shards.length === 0) shards.push(current);
  return shards;
}

/** `model-00001-of-00003.safetensors` for index 0 of 3, as transformers names shards. */
export function shardFileName(index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `model-${pad(index + 1)}-of-${pad(count)}.safetensors`;
}

/** Matches any shard name of that pattern (to remove shards left by an earlier save). */
export const SHARD_FILE_PATTERN = /^model-\d{5}-of-\d{5}\.safetensors$/;
