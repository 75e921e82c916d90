// A small word-level tokenizer for the demo's task, written as a real Hugging Face tokenizer.json
// (+ tokenizer_config.json with a Qwen2-style ChatML template) so that a demo student is an ordinary
// checkpoint folder for every other command.
//
// Words ("apples", " apples") are single tokens and every digit is its own token (so numbers are
// spelled digit by digit, which makes arithmetic learnable for a tiny model); any other ASCII text
// falls back to single characters, so encoding then decoding is exact for all printable ASCII.
// WordPiece with an empty continuation prefix is greedy longest-match over this vocabulary, and the
// Fuse decoder concatenates tokens as they are: both are stock components of `tokenizers`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Special tokens, as Qwen2's tokenizer names them. */
export const SPECIAL_TOKENS = {
  /** end of a document; also the padding token */
  endOfText: '<|endoftext|>',
  /** opens a chat turn */
  imStart: '<|im_start|>',
  /** closes a chat turn; the end-of-sequence token of a chat model */
  imEnd: '<|im_end|>',
  /** stands for a character outside printable ASCII */
  unknown: '<unk>',
} as const;

/**
 * Pre-tokenization: a word with its optional leading space, one digit with its optional leading space,
 * one other character with its optional leading space, or a lone space.
 */
export const PRE_TOKENIZER_PATTERN = ' ?[A-Za-z]+| ?[0-9]| ?[^ A-Za-z0-9]| ';

/** Qwen2's ChatML template (without its default system prompt): the same layout the eval prompts use. */
export const CHAT_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** Words the chat template itself writes, so that they are single tokens too. */
const TEMPLATE_WORDS = ['system', 'user', 'assistant'];

/** The two files of a Hugging Face fast tokenizer. */
export interface TokenizerFiles {
  /** contents of tokenizer.json */
  tokenizer: Record<string, unknown>;
  /** contents of tokenizer_config.json */
  config: Record<string, unknown>;
}

/** The pieces the pre-tokenizer cuts a text into (the same regex the tokenizer.json carries). */
export function preTokenize(text: string): string[] {
  return text.match(new RegExp(PRE_TOKENIZER_PATTERN, 'g')) ?? [];
}

/** Printable ASCII plus newline and tab: every character the fallback covers. */
function baseCharacters(): string[] {
  const chars = ['\n', '\t'];
  for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
  return chars;
}

/**
 * Builds the vocabulary from a corpus (the demo's problems and solutions): special tokens, every base
 * character with and without a leading space, then every multi-character word piece of the corpus,
 * sorted so that the same corpus always gives the same ids.
 */
export function buildVocabulary(corpus: Iterable<string>): string[] {
  const specials = [SPECIAL_TOKENS.endOfText, SPECIAL_TOKENS.imStart, SPECIAL_TOKENS.imEnd, SPECIAL_TOKENS.unknown];
  const base = baseCharacters();
  const vocab = new Set<string>([...specials, ...base]);
  for (const c of base) if (c !== ' ') vocab.add(` ${c}`);
  const words = new Set<string>(TEMPLATE_WORDS);
  for (const text of corpus) {
    for (const piece of preTokenize(text)) if (/^ ?[A-Za-z]{2,}$/.test(piece)) words.add(piece);
  }
  for (const w of [...words].sort()) vocab.add(w);
  return [...vocab];
}

/** Writes the tokenizer.json and tokenizer_config.json contents for a vocabulary. */
export function tokenizerFiles(vocabulary: string[]): TokenizerFiles {
  const vocab: Record<string, number> = {};
  vocabulary.forEach((token, id) => {
    vocab[token] = id;
  });
  const specials = [SPECIAL_TOKENS.endOfText, SPECIAL_TOKENS.imStart, SPECIAL_TOKENS.imEnd];
  const addedTokens = specials.map((content) => ({
    id: vocab[content],
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
    normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: PRE_TOKENIZER_PATTERN }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'WordPiece',
      unk_token: SPECIAL_TOKENS.unknown,
      continuing_subword_prefix: '',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  const addedTokensDecoder: Record<string, unknown> = {};
  for (const t of addedTokens) {
    const { id, ...rest } = t;
    addedTokensDecoder[String(id)] = rest;
  }
  const config = {
    added_tokens_decoder: addedTokensDecoder,
    additional_special_tokens: [SPECIAL_TOKENS.imStart, SPECIAL_TOKENS.imEnd],
    bos_token: null,
    eos_token: SPECIAL_TOKENS.imEnd,
    pad_token: SPECIAL_TOKENS.endOfText,
    unk_token: SPECIAL_TOKENS.unknown,
    chat_template: CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: 4096,
    split_special_tokens: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
  return { tokenizer, config };
}

/** Writes tokenizer.json and tokenizer_config.json into `dir` (created if missing). */
export function saveTokenizerFiles(dir: string, files: TokenizerFiles): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'tokenizer.json'), `${JSON.stringify(files.tokenizer, null, 2)}\n`);
  writeFileSync(join(dir, 'tokenizer_config.json'), `${JSON.stringify(files.config, null, 2)}\n`);
}
