// The model folder's small files, read only when needed: the tokenizer is loaded the first time a text
// record needs it, so pre-tokenized data trains even where tokenizer.json is absent or broken.
import fs from 'node:fs';
import path from 'node:path';
import { loadTokenizer, type Tokenizer } from '@mixdistill/models';

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
