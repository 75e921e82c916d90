// A distillation teacher on top of the eval package's generators (OpenAI-compatible endpoint or local
// checkpoint) and its prompt presets, so the teacher sees exactly the prompts evaluation uses.
import { renderPrompt, type Generator, type PromptPreset } from '@mixdistill/eval';
import type { Problem } from './problems';
import type { DistillTeacher } from './rejection_sampling';

/**
 * `openGenerator(seed)` returns a generator sampling with that seed; attempt k samples with
 * `baseSeed + k − 1`, so every attempt differs and a rerun draws the same samples again.
 * The generator is closed after each round. `countTokens` counts a response whose generator
 * reported no token count (a server that sends no `usage`).
 */
export function generatorTeacher(
  name: string,
  preset: PromptPreset,
  baseSeed: number,
  openGenerator: (seed: number) => Promise<Generator>,
  countTokens?: (text: string) => number,
): DistillTeacher {
  return {
    name,
    async sampleRound(problems: readonly Problem[], attempt, onSample) {
      const generator = await openGenerator(baseSeed + attempt - 1);
      try {
        const requests = problems.map((p) => ({ messages: renderPrompt(preset, p.problem) }));
        await generator.generate(requests, (index, result) =>
          // The generators report 0 tokens when a server sends no usage: unknown, not empty.
          onSample(problems[index], {
            text: result.text,
            tokens: result.tokens > 0 ? result.tokens : (countTokens?.(result.text) ?? null),
          }),
        );
      } finally {
        await generator.close();
      }
    },
  };
}
