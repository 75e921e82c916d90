// `mixdistill inspect`: what a checkpoint holds (tensor names, dtypes, shapes, sizes, shards and,
// for a folder, the architecture in config.json) without loading a tensor or a backend.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Checkpoint, MixdistillError, elementCount } from '@mixdistill/core';
import { parseModelConfig } from '@mixdistill/models';
import type { CommandModule } from 'yargs';

interface Args {
  path: string;
  json?: boolean;
}

/** One row of the listing. */
export interface InspectedTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
  /** Shard file, relative to the checkpoint folder (or the file's own name). */
  file: string;
}

/** The architecture fields of config.json, as Hugging Face names them (null when absent). */
export interface InspectedArchitecture {
  architecture: string | null;
  modelType: string | null;
  hiddenSize: number | null;
  layers: number | null;
  heads: number | null;
  kvHeads: number | null;
  vocab: number | null;
  torchDtype: string | null;
}

/** What `inspect --json` prints. */
export interface InspectReport {
  path: string;
  tensors: InspectedTensor[];
  /** Sum of the tensors' element counts (a tied lm_head is stored, and counted, once). */
  parameters: number;
  /** Sum of the tensors' data bytes (headers excluded, as the index's total_size). */
  bytes: number;
  shards: number;
  files: string[];
  /** `metadata.total_size` of a sharded checkpoint's index, when present. */
  indexTotalSize: number | null;
  metadata: Record<string, string>;
  /** From config.json when `path` is a folder holding one; null otherwise. */
  config: InspectedArchitecture | null;
}

/** Reads only headers (and config.json): no tensor data, no backend. */
export function inspectCheckpoint(path: string): InspectReport {
  const checkpoint = Checkpoint.open(path);
  try {
    const isDir = statSync(path).isDirectory();
    const displayName = (file: string) => (isDir ? relative(path, file) : basename(file));
    const tensors = checkpoint
      .entries()
      .map((e) => ({ name: e.name, dtype: e.dtype, shape: e.shape, bytes: e.byteLength, file: displayName(e.file) }));
    const configFile = join(path, 'config.json');
    return {
      path,
      tensors,
      parameters: tensors.reduce((sum, t) => sum + elementCount(t.shape), 0),
      bytes: tensors.reduce((sum, t) => sum + t.bytes, 0),
      shards: checkpoint.shardFiles().length,
      files: checkpoint.shardFiles().map(displayName),
      indexTotalSize: checkpoint.indexTotalSize ?? null,
      metadata: checkpoint.metadata(),
      config: isDir && existsSync(configFile) ? readArchitecture(configFile) : null,
    };
  } finally {
    checkpoint.close();
  }
}

function readArchitecture(configFile: string): InspectedArchitecture {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(configFile, 'utf8'));
  } catch (err) {
    throw new MixdistillError(`${configFile}: not valid JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new MixdistillError(`${configFile}: expected a JSON object`);
  const c = json as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  return {
    architecture: Array.isArray(c.architectures) ? str(c.architectures[0]) : null,
    modelType: str(c.model_type),
    hiddenSize: num(c.hidden_size),
    layers: num(c.num_hidden_layers),
    heads: num(c.num_attention_heads),
    kvHeads: num(c.num_key_value_heads),
    vocab: num(c.vocab_size),
    torchDtype: str(c.torch_dtype),
  };
}

/** The human-readable listing: a table, then totals, metadata and architecture lines. */
export function formatInspectReport(r: InspectReport): string {
  const withFile = r.shards > 1;
  const header = ['name', 'dtype', 'shape', 'bytes', ...(withFile ? ['file'] : [])];
  const rows = r.tensors.map((t) => [
    t.name,
    t.dtype,
    `[${t.shape.join(', ')}]`,
    String(t.bytes),
    ...(withFile ? [t.file] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  out.push('');
  out.push(
    `${r.tensors.length} tensors, ${r.parameters.toLocaleString('en-US')} parameters, ` +
      `${r.bytes.toLocaleString('en-US')} bytes (${humanBytes(r.bytes)}), ${r.shards} ${r.shards === 1 ? 'shard' : 'shards'}`,
  );
  if (r.indexTotalSize !== null && r.indexTotalSize !== r.bytes) {
    out.push(`note: the index says total_size ${r.indexTotalSize}, the shards hold ${r.bytes} bytes of tensors`);
  }
  const meta = Object.entries(r.metadata);
  if (meta.length > 0) out.push(`metadata: ${meta.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  if (r.config) out.push(formatArchitecture(r.config));
  return `${out.join('\n')}\n`;
}

function formatArchitecture(a: InspectedArchitecture): string {
  const name = [a.architecture, a.modelType && `(${a.modelType})`].filter(Boolean).join(' ') || 'unknown';
  const heads =
    a.heads === null ? '?' : `${a.heads}${a.kvHeads !== null && a.kvHeads !== a.heads ? ` (kv ${a.kvHeads})` : ''}`;
  const parts = [
    `hidden ${a.hiddenSize ?? '?'}`,
    `layers ${a.layers ?? '?'}`,
    `heads ${heads}`,
    `vocab ${a.vocab ?? '?'}`,
  ];
  if (a.torchDtype) parts.push(`torch_dtype ${a.torchDtype}`);
  return `architecture: ${name}, ${parts.join(', ')}`;
}

/** Throws the MixdistillError that loading the model would throw for this config.json. */
function checkConfig(file: string): void {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MixdistillError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  parseModelConfig(json, file);
}

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export const inspectCommand: CommandModule<object, Args> = {
  command: 'inspect <path>',
  describe: 'List the tensors of a .safetensors file or checkpoint folder, with totals',
  builder: (y) =>
    y
      .positional('path', {
        type: 'string',
        demandOption: true,
        describe: 'a .safetensors file, or a checkpoint folder (its config.json is read too)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
      .example('$0 inspect fixtures/tiny-llama3', 'both shards, totals and the architecture')
      .example('$0 inspect model.safetensors --json', 'one JSON object: tensors, parameters, bytes, shards'),
  handler: (argv) => {
    const report = inspectCheckpoint(argv.path);
    process.stdout.write(argv.json ? `${JSON.stringify(report)}\n` : formatInspectReport(report));
    // The listing is still useful, but a config.json that no command can load is an error (exit 1).
    if (report.config) checkConfig(join(argv.path, 'config.json'));
  },
};
