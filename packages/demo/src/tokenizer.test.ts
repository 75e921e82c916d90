import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '@mixdistill/models';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_TASK, generateProblems } from './task';
import { longSolution, shortSolution } from './teachers';
import { buildVocabulary, saveTokenizerFiles, SPECIAL_TOKENS, tokenizerFiles } from './tokenizer';

describe('demo tokenizer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-tokenizer-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const train = generateProblems(DEFAULT_TASK, { split: 'train', count: 1000, seed: 2 });
  const vocabulary = buildVocabulary(train.flatMap((p) => [p.text, shortSolution(p), longSolution(p)]));
  saveTokenizerFiles(dir, tokenizerFiles(vocabulary));
  const tokenizer = loadTokenizer(dir);

  it('loads as a Hugging Face tokenizer with ChatML special tokens', () => {
    const imEnd = vocabulary.indexOf(SPECIAL_TOKENS.imEnd);
    expect(tokenizer.eosTokenIds).toEqual([imEnd]);
    expect(tokenizer.padTokenId).toBe(vocabulary.indexOf(SPECIAL_TOKENS.endOfText));
    const ids = tokenizer.applyChatTemplate([{ role: 'user', content: 'Tom has 7 apples.' }], {
      addGenerationPrompt: true,
      tokenize: true,
    });
    expect(tokenizer.decode(ids)).toBe('<|im_start|>user\nTom has 7 apples.<|im_end|>\n<|im_start|>assistant\n');
    // special tokens and template words are single tokens
    expect(ids.slice(0, 3)).toEqual([
      vocabulary.indexOf('<|im_start|>'),
      vocabulary.indexOf('user'),
      vocabulary.indexOf('\n'),
    ]);
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('user\nTom has 7 apples.\nassistant\n');
  });

  it('round-trips every printable ASCII character and every held-out text exactly', () => {
    let ascii = '\n\t';
    for (let c = 32; c < 127; c++) ascii += String.fromCharCode(c);
    for (const text of [ascii, ` ${ascii} `, 'a  b   c\n\n', 'Zyxwv unseenword 1234567890']) {
      expect(tokenizer.decode(tokenizer.encode(text, { addSpecialTokens: false }))).toBe(text);
    }
    const test = generateProblems(DEFAULT_TASK, { split: 'test', count: 300, seed: 2, unique: true });
    for (const p of test) {
      for (const text of [p.text, shortSolution(p), longSolution(p)]) {
        expect(tokenizer.decode(tokenizer.encode(text, { addSpecialTokens: false }))).toBe(text);
      }
    }
  });

  it('spells numbers digit by digit and keeps task words whole', () => {
    const ids = tokenizer.encode('Tom has 17 apples.', { addSpecialTokens: false });
    const pieces = ids.map((id) => vocabulary[id]);
    expect(pieces).toEqual(['Tom', ' has', ' 1', '7', ' apples', '.']);
  });

  it('builds the same vocabulary from the same corpus', () => {
    expect(buildVocabulary(train.flatMap((p) => [p.text, shortSolution(p), longSolution(p)]))).toEqual(vocabulary);
  });
});
