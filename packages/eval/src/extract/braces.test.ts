import { describe, expect, it } from 'vitest';
import { matchingBrace, splitTopLevel } from './braces';

describe('braces', () => {
  it('finds the matching brace past nested and escaped braces', () => {
    expect(matchingBrace('{a{b}\\}c}d', 0)).toBe(8);
    expect(matchingBrace('{a', 0)).toBe(-1);
  });
  it('splits only at top level', () => {
    expect(splitTopLevel('(1,2),[3,4),\\frac{1,2}{3}', ',')).toEqual(['(1,2)', '[3,4)', '\\frac{1,2}{3}']);
    expect(splitTopLevel('(1,2)\\cup(3,4)', '\\cup')).toEqual(['(1,2)', '(3,4)']);
    expect(splitTopLevel('\\begin{pmatrix}1,2\\end{pmatrix},3', ',')).toEqual([
      '\\begin{pmatrix}1,2\\end{pmatrix}',
      '3',
    ]);
  });
});
