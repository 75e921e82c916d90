// Prompt presets. Each renders a problem into chat messages; the local generator applies the model's
// chat template to them and an OpenAI-compatible server applies its own.
import { existsSync, readFileSync } from 'node:fs';
import { MixdistillError } from '@mixdistill/core';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A prompt format: an optional system prompt and a user template with a `{problem}` placeholder. */
export interface PromptPreset {
  /** Preset name, or the template file's path. */
  name: string;
  system?: string;
  /** User message; `{problem}` is replaced by the problem text. */
  user: string;
  /** Stop strings this format needs (none for chat formats: the end-of-turn token stops them). */
  stop: string[];
}

export const PROMPT_PRESETS: Record<string, PromptPreset> = {
  // The paper's evaluation prompt (arXiv 2502.12143, Appendix), through the chat template.
  paper: {
    name: 'paper',
    user: 'Solve the following math problem. Present the final answer in the format: Final Answer: \\boxed{your_answer}.\nProblem: {problem}\nAnswer:',
    stop: [],
  },
  // Qwen2.5-Math's chain-of-thought system prompt.
  'qwen-math-cot': {
    name: 'qwen-math-cot',
    system: 'Please reason step by step, and put your final answer within \\boxed{}.',
    user: '{problem}',
    stop: [],
  },
  // lm-evaluation-harness gsm8k_cot_zeroshot: "Q: … A: Let's think step by step.", stopping at the next "Q:".
  'gsm8k-zeroshot': {
    name: 'gsm8k-zeroshot',
    user: "Q: {problem}\nA: Let's think step by step.",
    stop: ['Q:'],
  },
};

/**
 * A preset by name, or a template file: `.json` holding `{system?, user, stop?}`, or any other file
 * whose whole text is the user template. The template must contain `{problem}`.
 */
export function resolvePrompt(nameOrFile: string): PromptPreset {
  const preset = PROMPT_PRESETS[nameOrFile];
  if (preset) return preset;
  if (!existsSync(nameOrFile)) {
    throw new MixdistillError(
      `--prompt: "${nameOrFile}" is neither a preset (${Object.keys(PROMPT_PRESETS).join(', ')}) nor a template file`,
    );
  }
  const text = readFileSync(nameOrFile, 'utf8');
  let template: PromptPreset;
  if (nameOrFile.endsWith('.json')) {
    let parsed: { system?: unknown; user?: unknown; stop?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new MixdistillError(`${nameOrFile}: not valid JSON (${(err as Error).message})`);
    }
    if (typeof parsed.user !== 'string')
      throw new MixdistillError(`${nameOrFile}: field "user" must be a string template`);
    if (parsed.system !== undefined && typeof parsed.system !== 'string')
      throw new MixdistillError(`${nameOrFile}: field "system" must be a string`);
    const stop = parsed.stop ?? [];
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string'))
      throw new MixdistillError(`${nameOrFile}: field "stop" must be a list of strings`);
    template = {
      name: nameOrFile,
      system: parsed.system as string | undefined,
      user: parsed.user,
      stop: stop as string[],
    };
  } else {
    template = { name: nameOrFile, user: text, stop: [] };
  }
  if (!template.user.includes('{problem}'))
    throw new MixdistillError(`${nameOrFile}: the template must contain {problem}`);
  return template;
}

/** The chat messages for one problem. */
export function renderPrompt(preset: PromptPreset, problem: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (preset.system !== undefined) messages.push({ role: 'system', content: preset.system });
  messages.push({ role: 'user', content: preset.user.split('{problem}').join(problem) });
  return messages;
}
