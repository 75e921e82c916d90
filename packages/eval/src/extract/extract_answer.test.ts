import { describe, expect, it } from 'vitest';
import { extractAnswer, lastBoxed } from './extract_answer';
import { goldFromRecord, gsm8kGold, stripDollarWrap } from './gold';

describe('lastBoxed', () => {
  it('takes the last box and balances braces', () => {
    expect(lastBoxed('\\boxed{1} then \\boxed{\\frac{1}{2}}')).toBe('\\frac{1}{2}');
    expect(lastBoxed('x \\fbox{76}.')).toBe('76');
    expect(lastBoxed('so $\\boxed{\\{1, \\{2\\}\\}}$')).toBe('\\{1, \\{2\\}\\}');
  });
  it('reads \\boxed without braces up to $ or newline', () => {
    expect(lastBoxed('So the value is $\\boxed 30$.')).toBe('30');
    expect(lastBoxed('\\boxed 5.\nmore')).toBe('5');
  });
  it('gives null for no box or an unclosed box', () => {
    expect(lastBoxed('no box')).toBeNull();
    expect(lastBoxed('\\boxed{\\frac{1}{2}')).toBeNull();
  });
});

describe('extractAnswer', () => {
  it('prefers the last box', () => {
    expect(extractAnswer('Final Answer: 3. Actually \\boxed{4}')).toBe('4');
  });
  it('reads "Final Answer:" and "The answer is"', () => {
    expect(extractAnswer('work\n\nFinal Answer: 601')).toBe('601');
    expect(extractAnswer('The answer is $\\frac{7}{8}$.')).toBe('\\frac{7}{8}');
    expect(extractAnswer('The answer is 5.5.')).toBe('5.5');
    expect(extractAnswer('Mishka spent $243. The answer is \\$243.')).toBe('\\$243');
    expect(extractAnswer('The answer is: **42**.')).toBe('42');
    expect(extractAnswer('**Final Answer:**\n$$\n\\frac{1}{2}\n$$')).toBe('\\frac{1}{2}');
  });
  it('reads GSM8K ####', () => {
    expect(extractAnswer('1200+250+150=1600 pounds\n#### 16')).toBe('16');
  });
  it('falls back to the last number', () => {
    expect(extractAnswer('they weigh 4+4+3+6 = 17 pounds. So 17.')).toBe('17');
    expect(extractAnswer('total 1,450,000 dollars')).toBe('1,450,000');
    expect(extractAnswer('no digits at all')).toBe('');
  });
});

describe('gold answers', () => {
  it('reads each benchmark as the paper harness does', () => {
    expect(gsm8kGold('so 9 * 2 = 18\n#### 18')).toBe('18');
    expect(goldFromRecord('math', { solution: 'So $\\boxed{2}$ and then \\boxed{\\frac{1}{2}}.' }, 'f:1')).toBe(
      '\\frac{1}{2}',
    );
    expect(goldFromRecord('amc23', { answer: 27.0 }, 'f:1')).toBe('27');
    expect(goldFromRecord('olympiadbench', { final_answer: ['$\\sqrt{26}$'] }, 'f:1')).toBe('\\sqrt{26}');
    expect(goldFromRecord('aime24', { answer: '033' }, 'f:1')).toBe('033');
    expect(stripDollarWrap('$5,-2$')).toBe('5,-2');
  });
  it('names the file and field when the gold is missing', () => {
    expect(() => goldFromRecord('math500', { problem: 'x' }, 'data/math500/test.jsonl:7')).toThrow(
      /data\/math500\/test.jsonl:7: field "answer" missing/,
    );
    expect(() => goldFromRecord('math', { solution: 'no box' }, 'm.jsonl:3')).toThrow(/m.jsonl:3.*\\boxed/);
  });
});
