// The model folder's small files, read only when needed: the tokenizer is loaded the first time a text
// record needs it, so pre-tokenized data trains even where tokenizer.json is absent or broken.
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { loadTokenizer, parseModelConfig, type ModelConfig, type Tokenizer } from '@mixdistill/models';

/** `dir/config.json`, parsed (errors name the file and field). */
export function readModelConfig(dir: string): ModelConfig {
  const file = path.join(dir, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new MixdistillError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MixdistillError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseModelConfig(json, file);
}

/**
 * The tokenizer of `dir`, loaded on first use. `get` returns null when the folder has no
 * tokenizer.json and none was asked for explicitly (`--tokenizer`); `loaded` never loads.
 */
export function lazyTokenizer(
  dir: string,
  explicit: boolean,
): { get: () => Tokenizer | null; loaded: () => Tokenizer | null } {
  let tok: Tokenizer | null | undefined;
  return {
    get: () => {
      if (tok === undefined)
        tok = explicit || fs.existsSync(path.join(dir, 'tokenizer.json')) ? loadTokenizer(dir) : null;
      return tok;
    },
    loaded: () => tok ?? null,
  };
}
