// Writes an SFT data set (any file `train` reads: problem/solution, alpaca or chat JSONL) in the
// layouts GPU-cluster trainers read, so a mix built here trains unchanged with LLaMA-Factory (the
// framework the paper used) or Hugging Face TRL. Records are read by the train package's own
// readers, so the exported conversations are exactly the ones `mixdistill train` would learn from.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MixdistillError, writeFileAtomic } from '@mixdistill/core';
import { BadLineSink, parseRecord, readJsonl, type ChatMessage, type FieldOptions } from '@mixdistill/train';

export const EXPORT_FORMATS = ['llamafactory', 'trl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Reads every record of the files as a conversation (system?, user, assistant…). */
export function readConversations(files: readonly string[], fields: FieldOptions): ChatMessage[][] {
  const sink = new BadLineSink(false);
  return files.flatMap((file) =>
    readJsonl(file, sink).map((rec) => {
      const example = parseRecord(rec, 'auto', fields);
      if (example.kind !== 'chat')
        throw new MixdistillError(`${file}:${rec.line}: pre-tokenized records cannot be exported as text`);
      return example.messages;
    }),
  );
}

/** LLaMA-Factory's registration of a "sharegpt"-formatted file with OpenAI-style role tags (its data/README). */
function llamaFactoryEntry(fileName: string): Record<string, unknown> {
  return {
    file_name: fileName,
    formatting: 'sharegpt',
    columns: { messages: 'messages' },
    tags: {
      role_tag: 'role',
      content_tag: 'content',
      user_tag: 'user',
      assistant_tag: 'assistant',
      system_tag: 'system',
    },
  };
}

/**
 * Writes the data set into `dir`; returns the files written.
 * - llamafactory: `<name>.json` (an array of `{"messages": [...]}`) and `dataset_info.json` registering
 *   it; train with `dataset_dir: <dir>` and `dataset: <name>`. Other entries of an existing
 *   dataset_info.json are kept.
 * - trl: `<name>.jsonl` in TRL's conversational format (`{"messages": [...]}` per line), which
 *   SFTTrainer renders with the tokenizer's chat template.
 */
export function exportSftDataset(
  conversations: readonly ChatMessage[][],
  format: ExportFormat,
  dir: string,
  name: string,
): string[] {
  if (!/^[\w.-]+$/.test(name)) throw new MixdistillError(`--name "${name}": use letters, digits, "_", "-" or "."`);
  mkdirSync(dir, { recursive: true });
  const records = conversations.map((messages) => ({
    messages: messages.map(({ role, content }) => ({ role, content })),
  }));
  if (format === 'llamafactory') {
    const dataFile = join(dir, `${name}.json`);
    writeFileSync(dataFile, `${JSON.stringify(records, null, 1)}\n`);
    const infoFile = join(dir, 'dataset_info.json');
    let info: Record<string, unknown> = {};
    if (existsSync(infoFile)) {
      try {
        info = JSON.parse(readFileSync(infoFile, 'utf8')) as Record<string, unknown>;
      } catch {
        throw new MixdistillError(`${infoFile}: exists but is not valid JSON (fix or remove it)`);
      }
    }
    info[name] = llamaFactoryEntry(`${name}.json`);
    // Other data sets' entries live in this file too: never leave it half-written.
    writeFileAtomic(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    return [dataFile, infoFile];
  }
  const dataFile = join(dir, `${name}.jsonl`);
  writeFileSync(dataFile, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return [dataFile];
}

/** What `exportDataset` wrote. */
export interface ExportSummary {
  format: ExportFormat;
  /** data set name (file stem and dataset_info.json key) */
  name: string;
  /** conversations written */
  records: number;
  files: string[];
}

/**
 * Reads SFT JSONL files (concatenated in order) and writes them for `format` under `out`; the name
 * defaults to the first input's file name without extension.
 */
export function exportDataset(options: {
  format: ExportFormat;
  inputs: readonly string[];
  out: string;
  name?: string;
  promptField?: string;
  responseField?: string;
}): ExportSummary {
  const conversations = readConversations(options.inputs, {
    promptField: options.promptField,
    responseField: options.responseField,
  });
  const name = options.name ?? basename(options.inputs[0]).replace(/\.jsonl?$/i, '');
  const files = exportSftDataset(conversations, options.format, options.out, name);
  return { format: options.format, name, records: conversations.length, files };
}
