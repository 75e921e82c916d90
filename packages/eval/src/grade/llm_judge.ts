// Optional second grading stage, as in the paper: an LLM behind an OpenAI-compatible endpoint is asked
// whether an answer the rules rejected is equivalent to the gold. Its verdict is recorded separately
// (`judged`), never in place of the rule-based `correct`.
import type { Generator } from '../generate/generator';
import type { ChatMessage } from '../prompts/presets';

/** The question put to the judge; it must answer with one word. */
export function judgeMessages(problem: string, gold: string, answer: string): ChatMessage[] {
  return [
    {
      role: 'user',
      content: [
        'You are checking the final answer to a math problem against the reference answer.',
        `Problem: ${problem}`,
        `Reference answer: ${gold}`,
        `Final answer to check: ${answer}`,
        'Are the two answers mathematically equivalent (same value, set, interval or expression; units and formatting do not matter)? Reply with exactly one word: yes or no.',
      ].join('\n'),
    },
  ];
}

/** Reads the judge's reply: true for a leading "yes", false otherwise (an unclear reply rejects). */
export function parseJudgeReply(reply: string): boolean {
  return /^\W*yes\b/i.test(reply.trim());
}

/** Asks the judge about one answer. */
export async function judgeAnswer(judge: Generator, problem: string, gold: string, answer: string): Promise<boolean> {
  let verdict = false;
  await judge.generate([{ messages: judgeMessages(problem, gold, answer) }], (_i, result) => {
    verdict = parseJudgeReply(result.text);
  });
  return verdict;
}
