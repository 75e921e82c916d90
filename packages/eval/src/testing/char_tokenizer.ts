// Test helper: a character-level Hugging Face tokenizer (tokenizer.json + tokenizer_config.json with
// a ChatML template) whose ids fit the tiny fixture models' 448-token vocabulary, so a fixture
// checkpoint becomes a complete model folder for the local generator.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<unk>'];

const CHAT_TEMPLATE =
  "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{%- endfor %}" +
  "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

/** Writes the tokenizer files into `dir`; `<|im_end|>` gets id 2, the fixtures' eos_token_id. */
export function writeCharTokenizer(dir: string): void {
  const chars = ['\n', '\t'];
  for (let c = 32; c < 127; c++) chars.push(String.fromCharCode(c));
  const vocab: Record<string, number> = {};
  [...SPECIALS, ...chars].forEach((t, i) => (vocab[t] = i));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: '[\\s\\S]' }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'WordPiece',
      unk_token: '<unk>',
      continuing_subword_prefix: '',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      chat_template: CHAT_TEMPLATE,
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      unk_token: '<unk>',
    }),
  );
}
