// Chat examples -> token ids + labels, with the loss only on assistant tokens (LLaMA-Factory's default,
// `--train-on-prompt` to learn the prompt too).
//
// The conversation is rendered through the model's chat template once per assistant turn: the text up
// to the generation prompt before turn i and the text including turn i. The differences between
// consecutive renders are the segments; each is tokenised on its own, so a label boundary can never fall
// inside a token (LLaMA-Factory also encodes prompt and response pieces separately). Of a turn's
// segment, the reply and the first special token after it (the end of turn: <|im_end|>, <|eot_id|>)
// are learned; what a template adds after that (a newline, Llama-3's next assistant header) is not.
import type { ChatMessage, SftExample } from './formats';
import { RecordError } from './formats';

/** What training needs from a tokenizer (structurally a subset of @mixdistill/models' Tokenizer). */
export interface ChatTokenizer {
  encode(text: string, opts?: { addSpecialTokens?: boolean }): number[];
  /** with skipSpecialTokens, special tokens decode to '' (that is how the end of a turn is found) */
  decode(ids: number[], opts?: { skipSpecialTokens?: boolean }): string;
  applyChatTemplate(
    messages: ChatMessage[],
    opts?: { addGenerationPrompt?: boolean; tokenize?: false },
  ): string | number[];
}

/** A tokenised training example, labels aligned with input ids (-100: no loss), as Hugging Face. */
export interface TokenizedExample {
  inputIds: number[];
  labels: number[];
}

/** How chat examples become tokens. */
export interface TokenizeOptions {
  /** system prompt added to examples that have none (`--system-prompt`) */
  systemPrompt?: string;
  /** also compute the loss on system/user tokens (`--train-on-prompt`) */
  trainOnPrompt?: boolean;
}

/** Tokenises one example; pre-tokenized examples pass through. Throws RecordError on template trouble. */
export function tokenizeExample(ex: SftExample, tok: ChatTokenizer, opts: TokenizeOptions): TokenizedExample {
  if (ex.kind === 'tokens') return { inputIds: ex.inputIds, labels: ex.labels };
  let messages = ex.messages;
  if (opts.systemPrompt && messages[0].role !== 'system') {
    messages = [{ role: 'system', content: opts.systemPrompt }, ...messages];
  }
  const lastAssistant = messages.map((m) => m.role).lastIndexOf('assistant');
  const inputIds: number[] = [];
  const labels: number[] = [];
  let rendered = '';
  const pushIds = (ids: number[], learn: boolean) => {
    inputIds.push(...ids);
    for (const id of ids) labels.push(learn ? id : -100);
  };
  const push = (text: string, learn: boolean) => {
    if (text !== '') pushIds(tok.encode(text, { addSpecialTokens: false }), learn);
  };
  for (let i = 0; i <= lastAssistant; i++) {
    if (messages[i].role !== 'assistant') continue;
    const prompt = render(tok, messages.slice(0, i), true);
    const full = render(tok, messages.slice(0, i + 1), false);
    if (!prompt.startsWith(rendered) || !full.startsWith(prompt)) {
      throw new RecordError(
        'the chat template does not render this conversation turn by turn (earlier text changes later)',
      );
    }
    push(prompt.slice(rendered.length), opts.trainOnPrompt === true);
    const turn = full.slice(prompt.length);
    const replyEnd = turn.indexOf(messages[i].content) + messages[i].content.length;
    // A template that rewrites the reply (so it cannot be found) has its whole turn learned.
    if (replyEnd < messages[i].content.length) push(turn, true);
    else {
      push(turn.slice(0, replyEnd), true);
      const tail = turn.slice(replyEnd) === '' ? [] : tok.encode(turn.slice(replyEnd), { addSpecialTokens: false });
      const end = tail.findIndex((id) => tok.decode([id], { skipSpecialTokens: true }) === '');
      const learned = end < 0 ? tail.length : end + 1;
      pushIds(tail.slice(0, learned), true);
      pushIds(tail.slice(learned), opts.trainOnPrompt === true);
    }
    rendered = full;
  }
  return { inputIds, labels };
}

function render(tok: ChatTokenizer, messages: ChatMessage[], addGenerationPrompt: boolean): string {
  if (messages.length === 0) return '';
  const out = tok.applyChatTemplate(messages, { addGenerationPrompt, tokenize: false });
  if (typeof out !== 'string') throw new Error('applyChatTemplate with tokenize: false must return a string');
  return out;
}
