// The shape of an answer: a matrix, a union of intervals, a bracketed tuple/interval, a set, a bare
// list, or a single value. Shapes are compared part by part; bracket types are kept because `[2,5)`
// and `(2,5]` are different intervals.
import { splitTopLevel } from '../extract/braces';

export type AnswerStructure =
  | { kind: 'matrix'; rows: string[][] }
  | { kind: 'union'; parts: AnswerStructure[] }
  // `(a, b)`, `[a, b)`, … with two or more items: a tuple or an interval, order matters.
  | { kind: 'bracketed'; open: '(' | '['; close: ')' | ']'; items: string[] }
  // `\{a, b\}`: order does not matter.
  | { kind: 'set'; items: string[] }
  // `a, b, c` without brackets (roots, solutions): order does not matter.
  | { kind: 'list'; items: string[] }
  | { kind: 'scalar'; text: string };

const MATRIX =
  /^\\begin\{(pmatrix|bmatrix|vmatrix|Bmatrix|Vmatrix|matrix|smallmatrix|array)\}(?:\{[^{}]*\})?([\s\S]*)\\end\{\1\}$/;

/** Index of the bracket that closes the `(`/`[` at 0, treating both kinds alike (intervals mix them). */
function closingBracket(s: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Reads the structure of a normalised answer. */
export function parseStructure(s: string): AnswerStructure {
  const matrix = MATRIX.exec(s);
  if (matrix) {
    const rows = matrix[2]
      .split('\\\\')
      .map((row) => row.trim())
      .filter((row) => row !== '')
      .map((row) => row.split('&').map((cell) => cell.trim()));
    return { kind: 'matrix', rows };
  }
  const unionParts = splitTopLevel(s, '\\cup');
  if (unionParts.length > 1) return { kind: 'union', parts: unionParts.map(parseStructure) };
  if (s.startsWith('\\{') && s.endsWith('\\}')) {
    return { kind: 'set', items: splitTopLevel(s.slice(2, -2), ',').filter((x) => x !== '') };
  }
  const first = s[0];
  const last = s[s.length - 1];
  if ((first === '(' || first === '[') && (last === ')' || last === ']') && closingBracket(s) === s.length - 1) {
    const items = splitTopLevel(s.slice(1, -1), ',');
    if (items.length >= 2) return { kind: 'bracketed', open: first, close: last, items };
  }
  const items = splitTopLevel(s, ',').filter((x) => x !== '');
  if (items.length >= 2) return { kind: 'list', items };
  // `a \pm b` stands for the two values a + b and a - b.
  const pm = s.split('\\pm');
  if (pm.length === 2 && pm[1] !== '') {
    return { kind: 'list', items: [`${pm[0]}+${pm[1]}`, `${pm[0]}-${pm[1]}`] };
  }
  return { kind: 'scalar', text: s };
}
