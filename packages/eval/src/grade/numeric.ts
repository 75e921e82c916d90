// Plain numbers written in the usual ways, read without the CAS: most answers are numbers, and this
// path is exact, fast and cannot hang.

/** A number read from a normalised answer; `percent` marks an explicit `%` (value already divided by 100 is NOT applied). */
export interface ParsedNumber {
  /** The value as written, ignoring the percent sign. */
  value: number;
  /** The answer ended in `%`. */
  percent: boolean;
}

const DECIMAL = String.raw`\d+(?:\.\d*)?|\.\d+`;
const RE_DECIMAL = new RegExp(`^[-+]?(?:${DECIMAL})$`);
const RE_SCIENTIFIC = new RegExp(
  String.raw`^([-+]?(?:${DECIMAL}))(?:\\times|\\cdot|\*|x)10\^(?:\{([-+]?\d+)\}|([-+]?\d))$`,
);
const RE_E_NOTATION = new RegExp(String.raw`^[-+]?(?:${DECIMAL})[eE][-+]?\d+$`);
const RE_SLASH = new RegExp(`^([-+]?)(${DECIMAL})/(${DECIMAL})$`);
const RE_FRAC = new RegExp(String.raw`^([-+]?)\\frac\{([-+]?(?:${DECIMAL}))\}\{([-+]?(?:${DECIMAL}))\}$`);
const RE_MIXED = /^([-+]?)(\d+)\\frac\{(\d+)\}\{(\d+)\}$/;
const RE_INFINITY = /^([-+]?)\\infty$/;

/** Reads a normalised answer as a plain number, or returns null when it is anything else. */
export function parseNumber(normalized: string): ParsedNumber | null {
  let s = normalized;
  const percent = s.endsWith('%');
  if (percent) s = s.slice(0, -1);
  const value = plainValue(s);
  return value === null ? null : { value, percent };
}

function plainValue(s: string): number | null {
  if (RE_DECIMAL.test(s) || RE_E_NOTATION.test(s)) return Number(s);
  let m = RE_SCIENTIFIC.exec(s);
  if (m) return Number(m[1]) * 10 ** Number(m[2] ?? m[3]);
  m = RE_SLASH.exec(s);
  if (m) return sign(m[1]) * (Number(m[2]) / Number(m[3]));
  m = RE_FRAC.exec(s);
  if (m) return sign(m[1]) * (Number(m[2]) / Number(m[3]));
  // A mixed number `3\frac18` means 3 + 1/8 (Qwen2.5-Math reads it as 3 * 1/8).
  m = RE_MIXED.exec(s);
  if (m) return sign(m[1]) * (Number(m[2]) + Number(m[3]) / Number(m[4]));
  m = RE_INFINITY.exec(s);
  if (m) return sign(m[1]) * Infinity;
  return null;
}

function sign(s: string): number {
  return s === '-' ? -1 : 1;
}

/** Relative tolerance of numeric comparison, as Qwen2.5-Math's `math_equal` (`isclose(rel_tol=1e-4)`). */
export const REL_TOL = 1e-4;

/** Equal within REL_TOL relative to the larger magnitude; infinities must match exactly. */
export function numbersClose(a: number, b: number): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  if (a === b) return true;
  return Math.abs(a - b) <= REL_TOL * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Numeric equality with the percent rule: an explicit `%` on one side lets that side also stand for its
 * value / 100 (`20%` = `0.2`). Two bare numbers are never related by ×100 (`10` ≠ `0.1`).
 */
export function numbersEqual(a: ParsedNumber, b: ParsedNumber): boolean {
  if (a.percent === b.percent) return numbersClose(a.value, b.value);
  const pct = a.percent ? a : b;
  const bare = a.percent ? b : a;
  return numbersClose(pct.value, bare.value) || numbersClose(pct.value / 100, bare.value);
}
