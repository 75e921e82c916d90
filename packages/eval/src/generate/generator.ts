// The one interface both generators implement: the runner hands over a list of problems and gets
// each response back as soon as it is done, so it can write it before the next one finishes.
import type { ChatMessage } from '../prompts/presets';

/** Sampling settings; the defaults are the paper's (greedy, 16000 new tokens). */
export interface GenerationSettings {
  /** Most tokens generated per response. */
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** Nucleus sampling mass (1 = off). */
  topP: number;
  /** Generation stops before any of these strings (they are not part of the response). */
  stop: string[];
  /** Sampling seed (ignored when greedy). */
  seed: number;
}

export const DEFAULT_GENERATION_SETTINGS: GenerationSettings = {
  maxNewTokens: 16000,
  temperature: 0,
  topP: 1,
  stop: [],
  seed: 0,
};

export interface GenerationRequest {
  messages: ChatMessage[];
}

export interface GenerationResult {
  /** The prompt as the model saw it (the chat-templated text when known, else the user message). */
  prompt: string;
  /** The generated text, cut at the first stop string. */
  text: string;
  /** Tokens generated. */
  tokens: number;
  /** Wall-clock seconds attributed to this request (batched generation: the time since the previous result, so they sum to the run's). */
  seconds: number;
}

export interface Generator {
  /** Recorded in results.json (model, endpoint, batch size …). */
  describe(): Record<string, unknown>;
  /** Generates every request; `onResult(index, result)` is awaited as each one completes. */
  generate(
    requests: GenerationRequest[],
    onResult: (index: number, result: GenerationResult) => Promise<void> | void,
  ): Promise<void>;
  /** Frees the model or connections. */
  close(): Promise<void>;
}

/** Cuts `text` before the first stop string (servers that ignore `stop` and local decoding both need this). */
export function truncateAtStop(text: string, stop: string[]): string {
  let end = text.length;
  for (const s of stop) {
    if (s === '') continue;
    const i = text.indexOf(s);
    if (i >= 0 && i < end) end = i;
  }
  return text.slice(0, end);
}
