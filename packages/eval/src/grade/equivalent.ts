// Decides whether a predicted answer equals the gold answer. Cheap exact checks run first (string
// equality after normalisation, plain numbers), then structure (matrices, intervals, tuples, sets,
// lists, equations) part by part, and only what is left goes to the bounded CAS.
import { splitTopLevel } from '../extract/braces';
import { casEqual, DEFAULT_CAS_OPTIONS, type CasOptions } from './cas';
import { normalizeAnswer } from './normalize';
import { numbersEqual, parseNumber } from './numeric';
import { parseStructure, type AnswerStructure } from './structure';

/** Options of the comparison. */
export interface EquivalenceOptions {
  /** Limits of the symbolic comparison (time per comparison, input length). */
  cas: CasOptions;
}

export const DEFAULT_EQUIVALENCE_OPTIONS: EquivalenceOptions = { cas: DEFAULT_CAS_OPTIONS };

/** A left-hand side that only names the unknown: `x`, `\theta`, `x_1`, `f(x)`, `g(n)`. */
const NAMING_LHS = /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?(?:\([a-zA-Z]\))?$/;

/** Splits `lhs=rhs` at its only top-level `=`; null for anything else (`<=`, `\neq` never reach here as `=`). */
function splitEquation(s: string): [string, string] | null {
  const parts = splitTopLevel(s, '=');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return null;
  if (/[<>!]$/.test(parts[0])) return null;
  return [parts[0], parts[1]];
}

/** `x=5` -> `5` and `x\in[2,5)` -> `[2,5)` when the lhs only names the unknown; otherwise unchanged. */
function stripNamingPrefix(s: string): string {
  const eq = splitEquation(s);
  if (eq && NAMING_LHS.test(eq[0])) return eq[1];
  const member = /^((?:[a-zA-Z]|\\[a-zA-Z]+))\\in(?![a-zA-Z])/.exec(s);
  if (member) return s.slice(member[0].length);
  return s;
}

/** Words of three letters or more (`odd`, `Monday`) compare as words, case-insensitively; the CAS would read them as products of letters. */
function isWord(s: string): boolean {
  return /^[a-zA-Z]{3,}$/.test(s);
}

function scalarEqual(a: string, b: string, options: EquivalenceOptions): boolean {
  if (a === b) return true;
  if (isWord(a) || isWord(b)) return a.toLowerCase() === b.toLowerCase();
  const ea = splitEquation(a);
  const eb = splitEquation(b);
  if (ea && eb) {
    if (ea[0] === eb[0]) return scalarEqual(ea[1], eb[1], options);
    if (ea[1] === eb[1]) return scalarEqual(ea[0], eb[0], options);
    return casEqual(a, b, 'equation', options.cas) === true;
  }
  if (ea || eb) {
    // Only one side is an equation: `x = 3/2` against `3/2`.
    const sa = ea ? stripNamingPrefix(a) : a;
    const sb = eb ? stripNamingPrefix(b) : b;
    if (sa === a && sb === b) return false;
    return scalarEqual(sa, sb, options);
  }
  const na = parseNumber(a);
  const nb = parseNumber(b);
  if (na && nb) return numbersEqual(na, nb);
  return casScalarEqual(a, b, options);
}

/** The CAS reads `\%` as /100; an explicit percent on one side may also mean the bare value (`20%` = `20`). */
function casScalarEqual(a: string, b: string, options: EquivalenceOptions): boolean {
  const pa = a.endsWith('%');
  const pb = b.endsWith('%');
  const ca = pa && pb ? a.slice(0, -1) : a;
  const cb = pa && pb ? b.slice(0, -1) : b;
  const toCas = (s: string) => s.replace(/%$/, '\\%');
  if (casEqual(toCas(ca), toCas(cb), 'expression', options.cas) === true) return true;
  if (pa !== pb) return casEqual(ca.replace(/%$/, ''), cb.replace(/%$/, ''), 'expression', options.cas) === true;
  return false;
}

/** Longest list matched item by item in any order. */
const MAX_MATCHED_ITEMS = 64;

/** Items equal in order. */
function orderedEqual(a: string[], b: string[], options: EquivalenceOptions): boolean {
  return a.length === b.length && a.every((x, i) => elementEqual(x, b[i], options));
}

/** Items equal as multisets (each predicted item matches a distinct gold item). */
function unorderedEqual(a: string[], b: string[], options: EquivalenceOptions): boolean {
  if (a.length !== b.length) return false;
  // Matching is quadratic in comparisons; huge lists (never a real answer) compare as sorted strings.
  if (a.length > MAX_MATCHED_ITEMS) return [...a].sort().join() === [...b].sort().join();
  const used = new Array<boolean>(b.length).fill(false);
  for (const x of a) {
    const j = b.findIndex((y, k) => !used[k] && elementEqual(x, y, options));
    if (j < 0) return false;
    used[j] = true;
  }
  return true;
}

function elementEqual(a: string, b: string, options: EquivalenceOptions): boolean {
  return structuresEqual(parseStructure(stripNamingPrefix(a)), parseStructure(stripNamingPrefix(b)), options);
}

function structuresEqual(a: AnswerStructure, b: AnswerStructure, options: EquivalenceOptions): boolean {
  if (a.kind === 'scalar' && b.kind === 'scalar') return scalarEqual(a.text, b.text, options);
  if (a.kind === 'matrix' || b.kind === 'matrix') {
    if (a.kind === 'matrix' && b.kind === 'matrix') {
      return a.rows.length === b.rows.length && a.rows.every((row, i) => orderedEqual(row, b.rows[i], options));
    }
    // A column or row vector written as a tuple: `(1, 2)` against `\begin{pmatrix}1\\2\end{pmatrix}`.
    const m = a.kind === 'matrix' ? a : (b as Extract<AnswerStructure, { kind: 'matrix' }>);
    const t = a.kind === 'matrix' ? b : a;
    if (t.kind !== 'bracketed' || t.open !== '(' || t.close !== ')') return false;
    const flat = m.rows.length === 1 ? m.rows[0] : m.rows.every((r) => r.length === 1) ? m.rows.map((r) => r[0]) : null;
    return flat !== null && orderedEqual(flat, t.items, options);
  }
  if (a.kind === 'union' || b.kind === 'union') {
    if (a.kind !== 'union' || b.kind !== 'union' || a.parts.length !== b.parts.length) return false;
    const used = new Array<boolean>(b.parts.length).fill(false);
    return a.parts.every((p) => {
      const j = b.parts.findIndex((q, k) => !used[k] && structuresEqual(p, q, options));
      if (j >= 0) used[j] = true;
      return j >= 0;
    });
  }
  if (a.kind === 'bracketed' && b.kind === 'bracketed') {
    return a.open === b.open && a.close === b.close && orderedEqual(a.items, b.items, options);
  }
  const itemsOf = (s: AnswerStructure): string[] | null => (s.kind === 'set' || s.kind === 'list' ? s.items : null);
  const ia = itemsOf(a);
  const ib = itemsOf(b);
  if (ia && ib) return unorderedEqual(ia, ib, options);
  // A bare list against a tuple in parentheses: `1, 2` for `(1, 2)`.
  if (a.kind === 'bracketed' && b.kind === 'list' && a.open === '(' && a.close === ')')
    return orderedEqual(a.items, b.items, options);
  if (b.kind === 'bracketed' && a.kind === 'list' && b.open === '(' && b.close === ')')
    return orderedEqual(a.items, b.items, options);
  // A one-item set against its item: `\{5\}` for `5`.
  if (a.kind === 'set' && a.items.length === 1 && b.kind === 'scalar') return scalarEqual(a.items[0], b.text, options);
  if (b.kind === 'set' && b.items.length === 1 && a.kind === 'scalar') return scalarEqual(a.text, b.items[0], options);
  return false;
}

/** True when `prediction` and `gold` (raw answer strings, before normalisation) denote the same answer. */
export function answersEqual(
  prediction: string,
  gold: string,
  options: EquivalenceOptions = DEFAULT_EQUIVALENCE_OPTIONS,
): boolean {
  const a = normalizeAnswer(prediction);
  const b = normalizeAnswer(gold);
  if (a === '' || b === '') return false;
  if (a === b) return true;
  // `x = \frac32` against `\frac32`, and `x \in [2,5)` against `[2,5)`: strip only when the other side
  // is not itself an equation.
  const ea = splitEquation(a) !== null;
  const eb = splitEquation(b) !== null;
  const sa = eb ? a : stripNamingPrefix(a);
  const sb = ea ? b : stripNamingPrefix(b);
  return structuresEqual(parseStructure(sa), parseStructure(sb), options);
}
