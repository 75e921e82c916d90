// @ts-check
// Symbolic comparisons run here, in a worker thread, so the grader can stop one that runs too long
// (`100000!` alone takes seconds) by terminating the thread. Plain JavaScript because a worker cannot
// load TypeScript without a loader hook, and vitest/tsx do not pass one to worker threads.
//
// Protocol (see cas.ts): workerData = { port, flag }. Each request {id, a, b, mode} posted on `port`
// gets one reply {id, equal} on `port`, then flag[0] is set to 1 and notified, which wakes the main thread
// blocked in Atomics.wait. The same flag announces readiness after the import.
import { parentPort, workerData } from 'node:worker_threads';
import { ComputeEngine } from '@cortex-js/compute-engine';

/** @type {{ port: import('node:worker_threads').MessagePort, flag: Int32Array }} */
const { port, flag } = workerData;
const ce = new ComputeEngine();

// Fixed sample points for the unknowns: identity testing by evaluation (Schwartz–Zippel). Irrational-looking
// values avoid accidental agreement at integers, and positive values keep roots and logs real.
const SAMPLES = [0.5772156649, 1.3247179572, Math.E / 3, 1.6180339887, 0.3183098862];
// Constants compare within 1e-4 relative, as numbers do in numeric.ts (Qwen2.5-Math's isclose); identity
// testing at sample points uses a tighter 1e-6 because both sides are evaluated exactly there.
const CONSTANT_REL_TOL = 1e-4;
const REL_TOL = 1e-6;

/** @param {string} latex */
function parse(latex) {
  const expr = ce.parse(latex);
  if (!expr.isValid) return null;
  return expr;
}

/** Numeric value of an expression as [re, im], or null when it is not a finite number. */
function numericValue(expr) {
  const n = expr.N();
  const re = n.re;
  const im = n.im;
  if (typeof re !== 'number' || typeof im !== 'number' || !Number.isFinite(re) || !Number.isFinite(im)) return null;
  return [re, im];
}

function close(x, y, tol = REL_TOL) {
  const scale = Math.max(Math.abs(x[0]), Math.abs(x[1]), Math.abs(y[0]), Math.abs(y[1]));
  return Math.hypot(x[0] - y[0], x[1] - y[1]) <= tol * Math.max(scale, tol === REL_TOL ? 1 : 1e-12);
}

/** The unknowns of an expression, sorted (constants such as Pi and ExponentialE excluded). */
function unknowns(expr) {
  return [...expr.unknowns].sort();
}

/** Values of `expr` at every sample point, or null if any is not a finite number. */
function valuesAtSamples(expr, names) {
  const out = [];
  for (let k = 0; k < SAMPLES.length; k++) {
    /** @type {Record<string, number>} */
    const subs = {};
    names.forEach((name, j) => {
      subs[name] = SAMPLES[(k + j) % SAMPLES.length] + 0.1 * j;
    });
    const v = numericValue(expr.subs(subs));
    if (!v) return null;
    out.push(v);
  }
  return out;
}

/** true/false when decided, null when the expressions could not be compared (parse error, non-numeric). */
function sameExpression(a, b) {
  const A = parse(a);
  const B = parse(b);
  if (!A || !B) return null;
  if (A.isSame(B)) return true;
  const names = [...new Set([...unknowns(A), ...unknowns(B)])].sort();
  if (names.length === 0) {
    const x = numericValue(A);
    const y = numericValue(B);
    if (!x || !y) return null;
    return close(x, y, CONSTANT_REL_TOL);
  }
  // Unknowns may differ (`\sin^2 x + \cos^2 x` against `1`): both sides are evaluated on the union.
  const xs = valuesAtSamples(A, names);
  const ys = valuesAtSamples(B, names);
  if (!xs || !ys) return null;
  return xs.every((x, k) => close(x, ys[k]));
}

/**
 * Two equations are the same when (lhs - rhs) of one is a non-zero constant multiple of the other's:
 * `y = -1/4` and `4y + 1 = 0`.
 */
function sameEquation(a, b) {
  const A = parse(a);
  const B = parse(b);
  if (!A || !B || A.operator !== 'Equal' || B.operator !== 'Equal') return null;
  const da = ce.box(['Subtract', A.ops[0], A.ops[1]]);
  const db = ce.box(['Subtract', B.ops[0], B.ops[1]]);
  const names = [...new Set([...unknowns(da), ...unknowns(db)])].sort();
  if (names.length === 0) return false;
  const xs = valuesAtSamples(da, names);
  const ys = valuesAtSamples(db, names);
  if (!xs || !ys) return null;
  let ratio = null;
  for (let k = 0; k < xs.length; k++) {
    const [x, y] = [xs[k][0], ys[k][0]];
    if (Math.abs(x) < 1e-12 && Math.abs(y) < 1e-12) continue;
    if (Math.abs(y) < 1e-12) return false;
    const r = x / y;
    if (ratio === null) ratio = r;
    else if (Math.abs(r - ratio) > REL_TOL * Math.max(1, Math.abs(ratio))) return false;
  }
  return ratio !== null && ratio !== 0;
}

port.on('message', (/** @type {{id: number, a: string, b: string, mode: 'expression' | 'equation'}} */ req) => {
  let equal = null;
  try {
    equal = req.mode === 'equation' ? sameEquation(req.a, req.b) : sameExpression(req.a, req.b);
  } catch {
    equal = null;
  }
  port.postMessage({ id: req.id, equal });
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});

Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
void parentPort;
