// Writes an SFT data set (problem/solution JSONL, as `distill` and `mix` produce) in the layouts that
// GPU-cluster trainers read, so a mix built here trains unchanged with LLaMA-Factory (the framework the
// paper used) or Hugging Face TRL.
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';

export const EXPORT_FORMATS = ['llamafactory', 'trl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** One prompt/response pair. */
export interface SftPair {
  prompt: string;
  response: string;
}

/** Reads pairs from SFT JSONL files; `fields` names the prompt and response fields. */
export function readSftPairs(files: readonly string[], fields: { prompt: string; response: string }): SftPair[] {
  const pairs: SftPair[] = [];
  for (const file of files) {
    if (!existsSync(file)) throw new MixdistillError(`${file}: input not found`);
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (!line.trim()) return;
        let row: Record<string, unknown>;
        try {
          row = JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new MixdistillError(`${file}:${i + 1}: not valid JSON`);
        }
        const prompt = row[fields.prompt];
        const response = row[fields.response];
        if (typeof prompt !== 'string' || typeof response !== 'string') {
          throw new MixdistillError(`${file}:${i + 1}: expected text fields "${fields.prompt}" and "${fields.response}"`);
        }
        pairs.push({ prompt, response });
      });
  }
  return pairs;
}

/**
 * Writes the data set into `dir`; returns the files written.
 * - llamafactory: `<name>.json`, an Alpaca-format array (instruction/input/output), and
 *   `dataset_info.json` registering it (LLaMA-Factory's data/README: "alpaca" formatting, columns
 *   prompt/query/response). Point `dataset_dir` at `dir` and set `dataset: <name>`.
 * - trl: `<name>.jsonl` in TRL's conversational format (`{"messages": [{role, content}, ...]}`), which
 *   SFTTrainer formats with the tokenizer's chat template.
 */
export function exportSftDataset(pairs: readonly SftPair[], format: ExportFormat, dir: string, name: string): string[] {
  if (!/^[\w.-]+$/.test(name)) throw new MixdistillError(`--name "${name}": use letters, digits, "_", "-" or "."`);
  mkdirSync(dir, { recursive: true });
  if (format === 'llamafactory') {
    const dataFile = join(dir, `${name}.json`);
    writeFileSync(dataFile, `${JSON.stringify(pairs.map((p) => ({ instruction: p.prompt, input: '', output: p.response })), null, 1)}\n`);
    const infoFile = join(dir, 'dataset_info.json');
    // Keep other data sets already registered in this folder.
    const info = existsSync(infoFile) ? (JSON.parse(readFileSync(infoFile, 'utf8')) as Record<string, unknown>) : {};
    info[name] = { file_name: `${name}.json`, columns: { prompt: 'instruction', query: 'input', response: 'output' } };
    writeFileSync(infoFile, `${JSON.stringify(info, null, 2)}\n`);
    return [dataFile, infoFile];
  }
  const dataFile = join(dir, `${name}.jsonl`);
  const lines = pairs.map((p) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: p.prompt },
        { role: 'assistant', content: p.response },
      ],
    }),
  );
  writeFileSync(dataFile, lines.map((l) => `${l}\n`).join(''));
  return [dataFile];
}
