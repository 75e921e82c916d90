import { describe, expect, it } from 'vitest';
import { judgeMessages, parseJudgeReply } from './llm_judge';

describe('LLM judge', () => {
  it('asks one question with the problem, the reference and the answer', () => {
    const [m] = judgeMessages('What is 1/2?', '\\frac12', '0.5');
    expect(m.role).toBe('user');
    expect(m.content).toContain('Reference answer: \\frac12\nFinal answer to check: 0.5');
  });
  it('accepts only a leading yes', () => {
    expect(parseJudgeReply('Yes.')).toBe(true);
    expect(parseJudgeReply('**yes**')).toBe(true);
    expect(parseJudgeReply('No, yes would be wrong')).toBe(false);
    expect(parseJudgeReply('')).toBe(false);
  });
});
