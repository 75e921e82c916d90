// `model.safetensors.index.json`, the Hugging Face index of a sharded checkpoint:
// { "metadata": { "total_size": <bytes of all tensor data> }, "weight_map": { <tensor>: <shard file> } }.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MixdistillError } from '../errors';

export const INDEX_FILE = 'model.safetensors.index.json';
export const SINGLE_FILE = 'model.safetensors';

export interface CheckpointIndex {
  /** Tensor name -> shard file name relative to the checkpoint folder. */
  weightMap: Map<string, string>;
  /** `metadata.total_size`, when present: sum of the tensors' byte lengths. */
  totalSize: number | undefined;
}

/** Reads and validates an index; shard names are checked to stay inside `dir`. */
export function readCheckpointIndex(indexFile: string, dir: string): CheckpointIndex {
  let text: string;
  try {
    text = readFileSync(indexFile, 'utf8');
  } catch (err) {
    throw new MixdistillError(
      `${indexFile}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MixdistillError(`${indexFile}: not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!isObject(json)) throw new MixdistillError(`${indexFile}: expected a JSON object with weight_map`);
  const { weight_map: weightMap, metadata } = json;
  if (!isObject(weightMap))
    throw new MixdistillError(`${indexFile}: weight_map must be an object of tensor name -> shard file`);
  const map = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || shard === '') {
      throw new MixdistillError(
        `${indexFile}: weight_map[${JSON.stringify(name)}] must be a shard file name, got ${JSON.stringify(shard)}`,
      );
    }
    if (!isInside(dir, shard)) {
      throw new MixdistillError(
        `${indexFile}: weight_map[${JSON.stringify(name)}] = ${JSON.stringify(shard)} points outside the checkpoint folder`,
      );
    }
    map.set(name, shard);
  }
  let totalSize: number | undefined;
  if (metadata !== undefined) {
    if (!isObject(metadata)) throw new MixdistillError(`${indexFile}: metadata must be an object`);
    const t = metadata.total_size;
    if (t !== undefined && !(typeof t === 'number' && Number.isSafeInteger(t) && t >= 0)) {
      throw new MixdistillError(
        `${indexFile}: metadata.total_size must be a non-negative integer, got ${JSON.stringify(t)}`,
      );
    }
    totalSize = t;
  }
  return { weightMap: map, totalSize };
}

/** Serialises an index as transformers' save_pretrained does (keys sorted, 2-space indent). */
export function formatCheckpointIndex(weightMap: ReadonlyMap<string, string>, totalSize: number): string {
  const sorted: Record<string, string> = {};
  for (const name of [...weightMap.keys()].sort()) sorted[name] = weightMap.get(name)!;
  return `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: sorted }, null, 2)}\n`;
}

/** True when `name` is a relative path that resolves inside `dir` (no absolute path, no `..` escape). */
function isInside(dir: string, name: string): boolean {
  if (isAbsolute(name) || /^[a-zA-Z]:|^[\\/]/.test(name)) return false;
  const rel = relative(resolve(dir), resolve(join(dir, name)));
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
