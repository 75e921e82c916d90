// Test helpers: a character-level tokenizer with a ChatML-like template, and temp JSONL files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatMessage } from '../data/formats';
import type { ChatTokenizer } from '../data/tokenize';

const END = '|'.codePointAt(0)!;

/** One id per character (its code point); the template marks turns as `<role>content|`, `|` ends a turn. */
export const charTokenizer: ChatTokenizer = {
  encode: (text) => Array.from(text, (c) => c.codePointAt(0)!),
  decode: (ids, opts) => String.fromCodePoint(...ids.filter((id) => !(opts?.skipSpecialTokens && id === END))),
  applyChatTemplate: (messages: ChatMessage[], opts) =>
    messages.map((m) => `<${m.role}>${m.content}|`).join('') + (opts?.addGenerationPrompt ? '<assistant>' : ''),
};

export function decode(ids: number[]): string {
  return String.fromCodePoint(...ids);
}

/** A fresh temp dir. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'mixdistill-train-'));
}

/** Writes lines (objects are JSON-encoded, strings written as they are) and returns the path. */
export function writeJsonl(dir: string, name: string, lines: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
  return file;
}
