import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderPrompt, resolvePrompt } from './presets';

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-prompt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prompt presets', () => {
  it('renders the paper prompt as one user message', () => {
    expect(renderPrompt(resolvePrompt('paper'), 'What is 1+1?')).toEqual([
      {
        role: 'user',
        content:
          'Solve the following math problem. Present the final answer in the format: Final Answer: \\boxed{your_answer}.\nProblem: What is 1+1?\nAnswer:',
      },
    ]);
  });
  it('puts the Qwen2.5-Math instruction in the system message', () => {
    const [system, user] = renderPrompt(resolvePrompt('qwen-math-cot'), 'P');
    expect(system).toEqual({
      role: 'system',
      content: 'Please reason step by step, and put your final answer within \\boxed{}.',
    });
    expect(user).toEqual({ role: 'user', content: 'P' });
    expect(resolvePrompt('gsm8k-zeroshot').stop).toEqual(['Q:']);
  });
  it('reads template files (JSON with system/user/stop, or plain text) and replaces every {problem}', () => {
    const json = join(dir, 't.json');
    writeFileSync(json, JSON.stringify({ system: 'S', user: '{problem} / {problem}', stop: ['###'] }));
    expect(resolvePrompt(json)).toMatchObject({ system: 'S', stop: ['###'] });
    expect(renderPrompt(resolvePrompt(json), '$x$')[1].content).toBe('$x$ / $x$');
    const text = join(dir, 't.txt');
    writeFileSync(text, 'Problem: {problem}\n');
    expect(renderPrompt(resolvePrompt(text), 'p')).toEqual([{ role: 'user', content: 'Problem: p\n' }]);
  });
  it('names the problem with a bad preset or template', () => {
    expect(() => resolvePrompt('nope')).toThrow(
      /--prompt: "nope" is neither a preset \(paper, qwen-math-cot, gsm8k-zeroshot\)/,
    );
    const noSlot = join(dir, 'bad.txt');
    writeFileSync(noSlot, 'no slot');
    expect(() => resolvePrompt(noSlot)).toThrow(`${noSlot}: the template must contain {problem}`);
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{"user": 3}');
    expect(() => resolvePrompt(badJson)).toThrow(`${badJson}: field "user" must be a string template`);
  });
});
