// When a sequence is done: a stop token, a stop string in the generated text, or max_new_tokens.
import type { Tokenizer } from '../tokenizer/tokenizer';

export type FinishReason = 'stop_token' | 'stop_string' | 'length';

export interface StoppingOptions {
  maxNewTokens: number;
  stopTokenIds: number[];
  stopStrings: string[];
  /** Decodes the generated tokens for stop strings. */
  tokenizer?: Tokenizer;
}

export class StoppingCriteria {
  private readonly stopTokens: Set<number>;
  /** Trailing tokens decoded to look for a stop string: each token is at least one byte. */
  private readonly tailTokens: number;

  constructor(private readonly options: StoppingOptions) {
    this.stopTokens = new Set(options.stopTokenIds);
    this.tailTokens = Math.max(0, ...options.stopStrings.map((s) => Buffer.byteLength(s))) + 4;
  }

  /** Why generation of `tokens` (the new tokens so far) ends, or null to go on; `maxNewTokens` overrides the option's. */
  check(tokens: number[], maxNewTokens = this.options.maxNewTokens): FinishReason | null {
    const last = tokens[tokens.length - 1];
    if (this.stopTokens.has(last)) return 'stop_token';
    if (this.options.stopStrings.length && this.options.tokenizer) {
      const tail = this.options.tokenizer.decode(tokens.slice(-this.tailTokens));
      if (this.options.stopStrings.some((s) => tail.includes(s))) return 'stop_string';
    }
    return tokens.length >= maxNewTokens ? 'length' : null;
  }
}
