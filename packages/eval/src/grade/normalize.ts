// String normalisation of an answer before comparison. Each rule is a small named function so it can
// be tested on its own; `normalizeAnswer` applies them in order. The rules follow the ones in
// Hendrycks' MATH `is_equiv` and Qwen2.5-Math's `strip_string`, minus the ones that are wrong: single
// letters are never removed as units, and no rule relates a bare number to its ×100.
import { matchingBrace } from '../extract/braces';

/** Removes math delimiters around the whole answer: `$…$`, `\(…\)`, `\[…\]`. */
export function stripMathDelimiters(s: string): string {
  let out = s.trim();
  for (;;) {
    const before = out;
    if (out.startsWith('$') && out.endsWith('$') && out.length >= 2) out = out.replace(/^\$+|\$+$/g, '').trim();
    if (out.startsWith('\\(') && out.endsWith('\\)')) out = out.slice(2, -2).trim();
    if (out.startsWith('\\[') && out.endsWith('\\]')) out = out.slice(2, -2).trim();
    if (out === before) return out;
  }
}

/** `\dfrac`, `\tfrac` -> `\frac`; `\left`/`\right`/`\big…` sizing and `\displaystyle` go away. */
export function normalizeCommands(s: string): string {
  return (
    s
      .replace(/\\[dt]frac/g, '\\frac')
      .replace(/\\(left|right|bigl|bigr|Bigl|Bigr|big|Big)(?![a-zA-Z])\.?/g, '')
      .replace(/\\displaystyle/g, '')
      .replace(/\\le(?![a-zA-Z])/g, '\\leq')
      .replace(/\\ge(?![a-zA-Z])/g, '\\geq')
      .replace(/\\infinity|∞/g, '\\infty')
      .replace(/π/g, '\\pi')
      // Vectors written with angle brackets compare as tuples.
      .replace(/\\langle(?![a-zA-Z])/g, '(')
      .replace(/\\rangle(?![a-zA-Z])/g, ')')
      .replace(/[−–]/g, '-')
  );
}

/** LaTeX spacing commands `\!`, `\,`, `\;`, `\:`, `\ `, `~`, `\quad` are not part of the answer. */
export function removeSpacing(s: string): string {
  // The lookbehind keeps a row break `\\` followed by a space or comma intact.
  return s
    .replace(/(?<!\\)\\[!,;:]/g, '')
    .replace(/\\q?quad(?![a-zA-Z])/g, ' ')
    .replace(/(?<!\\)\\ /g, ' ')
    .replace(/~/g, ' ');
}

/** Degrees: `45^\circ`, `45^{\circ}`, `45°`, `\degree` -> `45`. */
export function removeDegrees(s: string): string {
  return s.replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|°|\\degree(?![a-zA-Z])/g, '');
}

/** Currency: `\$` and stray `$` signs. */
export function removeDollars(s: string): string {
  return s.replace(/\\\$/g, '').replace(/\$/g, '');
}

/** `\%` -> `%` (kept: an explicit percent is what allows the ×1/100 relation later). */
export function normalizePercent(s: string): string {
  return s.replace(/\\%/g, '%').replace(/\s*%/g, '%');
}

const TEXT_COMMAND = /\\(?:text|textbf|textit|textrm|mbox|mathrm|mathbf|operatorname)\s*\{/g;

/**
 * Text: a trailing `\text{…}` after other content is a unit (`30\text{ square units}` -> `30`);
 * a remaining `\text{odd}` becomes `odd`.
 */
export function handleText(s: string): string {
  let out = s;
  // Drop trailing text groups that follow some content (units), repeatedly: `5\text{ m}\text{/s}`.
  for (;;) {
    // A unit may carry a power: `5\text{ cm}^2`, `5\text{ m}^{3}`.
    const m = /\\(?:text|textbf|textit|textrm|mbox|mathrm)\s*\{[^{}]*\}(?:\^\{?\d\}?)?\s*$/.exec(out);
    if (!m || out.slice(0, m.index).trim() === '') break;
    const head = out.slice(0, m.index).trimEnd();
    // `x\text{ or }y` is not a unit: only strip when what precedes ends like a value.
    if (!/[\d})\]a-zA-Z.]$/.test(head)) break;
    out = head;
  }
  // Unwrap the rest: `\text{odd}` -> `odd`.
  for (;;) {
    TEXT_COMMAND.lastIndex = 0;
    const m = TEXT_COMMAND.exec(out);
    if (!m) break;
    const open = m.index + m[0].length - 1;
    const close = matchingBrace(out, open);
    if (close < 0) break;
    out = out.slice(0, m.index) + out.slice(open + 1, close) + out.slice(close + 1);
  }
  return out;
}

/** Unit words after a number: `26 inches`, `12 square units` -> the number (words of two letters or more only). */
export function removeTrailingUnitWords(s: string): string {
  // Words are separated by required whitespace, so the pattern cannot backtrack exponentially.
  const m = /^(-?[\d.,]+(?:\\frac\{\d+\}\{\d+\})?%?)\s+[a-zA-Z]{2,}\.?(?:\s+[a-zA-Z]{2,}\.?)*$/.exec(s.trim());
  return m ? m[1] : s;
}

/** Thousands separators: `1,450,000` and `371{,}043` -> digits only (whole answer, groups of three). */
export function removeThousandsSeparators(s: string): string {
  const out = s.replace(/(\d)\{,\}(?=\d{3})/g, '$1');
  if (/^-?\d{1,3}(,\d{3})+(\.\d+)?%?$/.test(out.trim())) return out.replace(/,/g, '');
  return out;
}

/** Unbraced arguments: `\sqrt15` -> `\sqrt{15}`, `\sqrt x` -> `\sqrt{x}`, `\frac32` -> `\frac{3}{2}`, `\frac1{x}` -> `\frac{1}{x}`. */
export function braceArguments(s: string): string {
  const arg = String.raw`(\{[^{}]*\}|\\[a-zA-Z]+|[0-9a-zA-Z])`;
  let out = s.replace(/\\sqrt\s*(\d+)/g, '\\sqrt{$1}').replace(/\\sqrt\s*([a-zA-Z])/g, '\\sqrt{$1}');
  const frac = new RegExp(String.raw`\\frac\s*` + arg + String.raw`\s*` + arg, 'g');
  const brace = (a: string) => (a.startsWith('{') ? a : `{${a}}`);
  out = out.replace(frac, (_m, a: string, b: string) => `\\frac${brace(a)}${brace(b)}`);
  return out;
}

/**
 * `\binom{n}{k}` (and `\dbinom`, `\tbinom`) -> `\frac{n!}{k!(n-k)!}`: compute-engine 0.27 does not parse
 * `\binom`, and the factorial form evaluates exactly.
 */
export function expandBinomial(s: string): string {
  return s.replace(/\\[dt]?binom\{([^{}]+)\}\{([^{}]+)\}/g, '\\frac{($1)!}{($2)!(($1)-($2))!}');
}

/** `3 and 5`, `3 or 5` (often from `\text{ and }`) list two answers: `3,5`. */
export function conjunctionsToCommas(s: string): string {
  return s.replace(/,?\s+(?:and|or)\s+/g, ',');
}

/** Whitespace goes, except the one space that separates a command from a following letter (`\pi r`). */
export function removeSpaces(s: string): string {
  // NUL marks the spaces to keep while the others go.
  return (
    s
      .replace(/\s+/g, ' ')
      .replace(/(\\[a-zA-Z]+) (?=[a-zA-Z])/g, '$1\u0000')
      .replace(/ /g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is the marker set just above
      .replace(/\u0000/g, ' ')
  );
}

/** A trailing full stop or comma is punctuation, not part of the answer. */
export function removeTrailingPunctuation(s: string): string {
  return s.replace(/[.,;:]+$/, '').replace(/\\\\$/, '');
}

/** Applies every rule, in an order where each sees the output it expects. */
export function normalizeAnswer(raw: string): string {
  let s = stripMathDelimiters(raw);
  s = normalizeCommands(s);
  s = removeSpacing(s);
  s = removeDegrees(s);
  s = removeDollars(s);
  s = stripMathDelimiters(s);
  s = normalizePercent(s);
  s = handleText(s);
  s = removeTrailingUnitWords(s);
  s = removeThousandsSeparators(s.trim());
  s = braceArguments(s);
  s = expandBinomial(s);
  s = conjunctionsToCommas(s);
  s = removeSpaces(s);
  s = removeTrailingPunctuation(s);
  return s;
}
