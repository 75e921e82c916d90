// A Hugging Face tokenizer folder: tokenizer.json through @huggingface/tokenizers, the chat template
// of tokenizer_config.json (or chat_template.jinja) through @huggingface/jinja, and the special
// tokens of tokenizer_config.json, generation_config.json and config.json.
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { readJsonFile } from '../weights/read_config';
import { ChatTemplate, type ChatMessage } from './chat_template';

export interface EncodeOptions {
  /** Add the tokens the tokenizer's post-processor adds (e.g. BOS); default true, as transformers. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (<|im_end|>, <|eot_id|>…) from the text; default false. */
  skipSpecialTokens?: boolean;
}

export interface ApplyChatTemplateOptions {
  /** End with the header of an assistant turn, so the model continues as the assistant. */
  addGenerationPrompt?: boolean;
  /** Replaces the system message's content, or adds a system message first if there is none. */
  systemPrompt?: string;
  /** Return token ids (encoded without adding special tokens again) instead of the text. */
  tokenize?: boolean;
  /** More template variables, e.g. { enable_thinking: false } for Qwen3 templates. */
  templateVariables?: Record<string, unknown>;
}

type TokenizerConfig = Record<string, unknown>;

export class Tokenizer {
  /** Tokens that end an assistant turn or the text: generation stops at any of them. */
  readonly eosTokenIds: number[];
  /** Token used to pad batches (tokenizer_config pad_token, else the config's pad_token_id), or null. */
  readonly padTokenId: number | null;
  /** Token that starts a sequence, when the tokenizer has one. */
  readonly bosTokenId: number | null;
  private readonly chatTemplate: ChatTemplate | null;

  constructor(
    private readonly hf: HfTokenizer,
    private readonly config: TokenizerConfig,
    special: { eosTokenIds: number[]; padTokenId: number | null; bosTokenId: number | null },
    chatTemplate: ChatTemplate | null,
    /** The folder, named in errors. */
    readonly dir: string,
  ) {
    this.eosTokenIds = special.eosTokenIds;
    this.padTokenId = special.padTokenId;
    this.bosTokenId = special.bosTokenId;
    this.chatTemplate = chatTemplate;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.hf.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: number[], options: DecodeOptions = {}): string {
    return this.hf.decode(ids, { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /** The id of a token string (e.g. "<|im_end|>"), or undefined if it is not in the vocabulary. */
  tokenToId(token: string): number | undefined {
    return this.hf.token_to_id(token);
  }

  /** Renders a conversation with the model's chat template (transformers' apply_chat_template). */
  applyChatTemplate(messages: ChatMessage[], options: ApplyChatTemplateOptions & { tokenize: true }): number[];
  applyChatTemplate(messages: ChatMessage[], options?: ApplyChatTemplateOptions): string;
  applyChatTemplate(messages: ChatMessage[], options: ApplyChatTemplateOptions = {}): string | number[] {
    if (!this.chatTemplate) {
      throw new MixdistillError(
        `${path.join(this.dir, 'tokenizer_config.json')}: no "chat_template" (and no chat_template.jinja); use plain prompts`,
      );
    }
    const text = this.chatTemplate.render(withSystemPrompt(messages, options.systemPrompt), {
      ...this.specialTokenStrings(),
      ...options.templateVariables,
      add_generation_prompt: options.addGenerationPrompt ?? false,
    });
    // The template already wrote the special tokens (BOS included), as transformers encodes it.
    return options.tokenize ? this.encode(text, { addSpecialTokens: false }) : text;
  }

  /** bos_token, eos_token, pad_token, unk_token as strings, for templates that print them. */
  private specialTokenStrings(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
      const token = tokenString(this.config[key]);
      if (token !== null) out[key] = token;
    }
    return out;
  }
}

/** Sets or adds the system message without mutating the caller's list. */
function withSystemPrompt(messages: ChatMessage[], systemPrompt: string | undefined): ChatMessage[] {
  if (systemPrompt === undefined) return messages;
  if (messages[0]?.role === 'system') return [{ ...messages[0], content: systemPrompt }, ...messages.slice(1)];
  return [{ role: 'system', content: systemPrompt }, ...messages];
}

/** tokenizer_config stores special tokens as strings or as AddedToken objects ({content, …}). */
function tokenString(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return null;
}

/** Reads `dir`: tokenizer.json (required), tokenizer_config.json, generation_config.json, config.json. */
export function loadTokenizer(dir: string): Tokenizer {
  const tokenizerJson = readJsonFile(dir, 'tokenizer.json');
  const config = (readJsonFile(dir, 'tokenizer_config.json', true) ?? {}) as TokenizerConfig;
  const generation = (readJsonFile(dir, 'generation_config.json', true) ?? {}) as Record<string, unknown>;
  const modelConfig = (readJsonFile(dir, 'config.json', true) ?? {}) as Record<string, unknown>;
  let hf: HfTokenizer;
  try {
    hf = new HfTokenizer(tokenizerJson as object, config);
  } catch (err) {
    throw new MixdistillError(
      `${path.join(dir, 'tokenizer.json')}: not a tokenizer this library reads (${(err as Error).message})`,
    );
  }
  const idOf = (field: string): number | null => {
    const token = tokenString(config[field]);
    if (token === null) return null;
    const id = hf.token_to_id(token);
    if (id === undefined)
      throw new MixdistillError(
        `${path.join(dir, 'tokenizer_config.json')}: ${field} ${JSON.stringify(token)} is not in the vocabulary`,
      );
    return id;
  };
  const ids = (value: unknown): number[] =>
    (Array.isArray(value) ? value : [value]).filter((x): x is number => typeof x === 'number');
  // Any of them ends generation, as transformers' generate merges generation_config's list.
  const eos = [idOf('eos_token'), ...ids(generation.eos_token_id), ...ids(modelConfig.eos_token_id)];
  const eosTokenIds = [...new Set(eos.filter((x): x is number => x !== null))];
  const padTokenId = idOf('pad_token') ?? ids(generation.pad_token_id)[0] ?? ids(modelConfig.pad_token_id)[0] ?? null;
  const bosTokenId = idOf('bos_token') ?? ids(generation.bos_token_id)[0] ?? ids(modelConfig.bos_token_id)[0] ?? null;
  return new Tokenizer(hf, config, { eosTokenIds, padTokenId, bosTokenId }, readChatTemplate(dir, config), dir);
}

/** chat_template.jinja (newer transformers) or tokenizer_config.json's chat_template (a string, or named templates). */
function readChatTemplate(dir: string, config: TokenizerConfig): ChatTemplate | null {
  const jinjaFile = path.join(dir, 'chat_template.jinja');
  if (fs.existsSync(jinjaFile)) return new ChatTemplate(fs.readFileSync(jinjaFile, 'utf8'), jinjaFile);
  const where = `${path.join(dir, 'tokenizer_config.json')} (chat_template)`;
  const value = config.chat_template;
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return new ChatTemplate(value, where);
  if (Array.isArray(value)) {
    const named = value.find((t: { name?: unknown }) => t?.name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return new ChatTemplate(named.template, where);
  }
  throw new MixdistillError(`${where}: expected a template string or a list with a "default" template`);
}
