import { describe, expect, it } from 'vitest';
import {
  braceArguments,
  conjunctionsToCommas,
  expandBinomial,
  handleText,
  normalizeAnswer,
  normalizeCommands,
  normalizePercent,
  removeDegrees,
  removeDollars,
  removeSpaces,
  removeSpacing,
  removeThousandsSeparators,
  removeTrailingPunctuation,
  removeTrailingUnitWords,
  stripMathDelimiters,
} from './normalize';

describe('normalisation rules', () => {
  it('strips math delimiters', () => {
    expect(stripMathDelimiters('$\\frac{1}{2}$')).toBe('\\frac{1}{2}');
    expect(stripMathDelimiters('\\(x\\)')).toBe('x');
    expect(stripMathDelimiters('\\[ 5 \\]')).toBe('5');
  });
  it('maps \\dfrac/\\tfrac to \\frac and drops \\left/\\right', () => {
    expect(normalizeCommands('\\dfrac{1}{2}+\\tfrac52')).toBe('\\frac{1}{2}+\\frac52');
    expect(normalizeCommands('\\left[-3,2\\right)')).toBe('[-3,2)');
    expect(normalizeCommands('\\left\\{1\\right\\}')).toBe('\\{1\\}');
    expect(normalizeCommands('\\langle 1,2\\rangle')).toBe('( 1,2)');
    // \leq is not \le + q
    expect(normalizeCommands('x\\leq 2')).toBe('x\\leq 2');
  });
  it('removes spacing commands but keeps matrix row breaks', () => {
    expect(removeSpacing('371,\\!043')).toBe('371,043');
    expect(removeSpacing('a\\,b\\;c')).toBe('abc');
    expect(removeSpacing('1 \\\\ 2')).toBe('1 \\\\ 2');
  });
  it('removes degree marks', () => {
    expect(removeDegrees('45^\\circ')).toBe('45');
    expect(removeDegrees('45^{\\circ}')).toBe('45');
    expect(removeDegrees('45°')).toBe('45');
  });
  it('removes dollar signs', () => {
    expect(removeDollars('\\$18.90')).toBe('18.90');
  });
  it('keeps an explicit percent as %', () => {
    expect(normalizePercent('20\\%')).toBe('20%');
    expect(normalizePercent('20 %')).toBe('20%');
  });
  it('drops \\text units after a value and unwraps text answers', () => {
    expect(handleText('30\\text{ square units}')).toBe('30');
    expect(handleText('\\text{odd}')).toBe('odd');
    expect(handleText('\\frac{1}{2}\\mbox{ cm}')).toBe('\\frac{1}{2}');
    expect(handleText('5\\text{ cm}^2')).toBe('5');
  });
  it('drops unit words of two letters or more after a number, never single letters', () => {
    expect(removeTrailingUnitWords('26 inches')).toBe('26');
    expect(removeTrailingUnitWords('12 square units')).toBe('12');
    expect(removeTrailingUnitWords('2 a')).toBe('2 a');
    // A long run of letters that is not a unit list must not make the pattern backtrack for ages.
    expect(removeTrailingUnitWords(`5 ${'a'.repeat(5000)}1`)).toBe(`5 ${'a'.repeat(5000)}1`);
  });
  it('removes thousands separators only in a whole number with groups of three', () => {
    expect(removeThousandsSeparators('1,450,000')).toBe('1450000');
    expect(removeThousandsSeparators('371{,}043')).toBe('371043');
    expect(removeThousandsSeparators('1,-1,7')).toBe('1,-1,7');
    expect(removeThousandsSeparators('12,10,6')).toBe('12,10,6');
  });
  it('braces unbraced \\sqrt and \\frac arguments', () => {
    expect(braceArguments('\\sqrt15')).toBe('\\sqrt{15}');
    expect(braceArguments('\\sqrt x')).toBe('\\sqrt{x}');
    expect(braceArguments('\\frac32')).toBe('\\frac{3}{2}');
    expect(braceArguments('\\frac1{x}')).toBe('\\frac{1}{x}');
    expect(braceArguments('\\frac{a}b')).toBe('\\frac{a}{b}');
  });
  it('rewrites binomial coefficients as factorials', () => {
    expect(expandBinomial('\\dbinom{5}{2}')).toBe('\\frac{(5)!}{(2)!((5)-(2))!}');
  });
  it('reads "and"/"or" between answers as a list', () => {
    expect(conjunctionsToCommas('3 and 5')).toBe('3,5');
    expect(conjunctionsToCommas('1, 2, and 3')).toBe('1, 2,3');
    expect(normalizeAnswer('x=1 \\text{ or } x=2')).toBe('x=1,x=2');
  });
  it('removes spaces except between a command and a letter', () => {
    expect(removeSpaces('432 \\sqrt{2}')).toBe('432\\sqrt{2}');
    expect(removeSpaces('2\\pi r')).toBe('2\\pi r');
  });
  it('removes trailing punctuation', () => {
    expect(removeTrailingPunctuation('5.')).toBe('5');
    expect(removeTrailingPunctuation('5.5')).toBe('5.5');
  });
  it('composes the rules', () => {
    expect(normalizeAnswer('$\\left( \\dfrac{4}{3}, -\\frac13 \\right)$')).toBe('(\\frac{4}{3},-\\frac{1}{3})');
    expect(normalizeAnswer('\\$43,500')).toBe('43500');
    expect(normalizeAnswer('371,\\!043,\\!400')).toBe('371043400');
    expect(normalizeAnswer('12\\text{ degrees}.')).toBe('12');
  });
});
