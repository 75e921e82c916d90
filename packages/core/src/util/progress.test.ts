import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress';

/** A stand-in for stderr that records what is written. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const out = {
    isTTY,
    text: '',
    write(chunk: string): boolean {
      out.text += chunk;
      return true;
    },
  };
  return out as unknown as NodeJS.WriteStream & { text: string };
}

describe('ProgressBar', () => {
  it('prints a plain line per tenth of the work when not on a terminal', () => {
    const out = stream(false);
    const bar = new ProgressBar('eval', 100, { out });
    for (let i = 0; i < 100; i++) bar.advance(1);
    bar.finish();
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/^eval \[#{24}\] 100\/100 \d+s ETA 0s$/);
  });

  it('prints `lines` lines over the run, counting from a resumed start', () => {
    const out = stream(false);
    const bar = new ProgressBar('step', 200, { out, lines: 100, startAt: 100 });
    for (let step = 101; step <= 200; step++) bar.update(step, `loss ${step}`);
    // A line per hundredth of the whole run (every second step), plus the first step timed here.
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(51);
    expect(lines[0]).toContain('101/200');
    expect(lines.at(-1)).toContain('loss 200');
  });

  it('redraws one line in place on a terminal and keeps notes on their own lines', () => {
    const out = stream(true);
    const bar = new ProgressBar('distill', 3, { out });
    bar.update(1, '1 accepted');
    bar.note('hello');
    bar.update(3);
    bar.finish();
    expect(out.text.split('\r\x1b[K')).toHaveLength(4);
    expect(out.text).toContain('\r\x1b[Khello\n');
    expect(out.text.endsWith('3/3 0s ETA 0s  1 accepted\n')).toBe(true);
  });
});
