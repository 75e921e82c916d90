// Bounded symbolic comparison through @cortex-js/compute-engine, run in a worker thread.
//
// Why compute-engine: it parses LaTeX directly into MathJSON (mathjs parses only its own plain-text
// syntax, so we would have to write and maintain a LaTeX translator), it is maintained, and 0.27.0 is
// its last release whose `engines` admits Node 20 (0.28+ requires Node >= 21.7). It evaluates
// numerically with complex numbers, which is all the grader needs: equality is decided by evaluating
// both sides at fixed sample points (cas_worker.mjs), not by simplification, which it does not finish
// for many inputs.
//
// Why a worker: some inputs make any CAS work for seconds or forever (`100000!`, huge powers, sums
// with huge bounds). The main thread blocks in Atomics.wait with a timeout, so the grader stays a
// synchronous pure function; a comparison that overruns is answered "not equal" and its thread is
// terminated and replaced.
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';

/** How the two strings are compared: as expressions, or as equations (lhs = rhs). */
export type CasMode = 'expression' | 'equation';

/** Options of the bounded CAS. */
export interface CasOptions {
  /** Milliseconds one comparison may take before it is abandoned (answered null). */
  timeoutMs: number;
  /** Milliseconds allowed for starting the worker and importing compute-engine. */
  startupMs: number;
  /** Inputs longer than this (characters) are not sent to the CAS at all. */
  maxLength: number;
}

export const DEFAULT_CAS_OPTIONS: CasOptions = { timeoutMs: 5000, startupMs: 30_000, maxLength: 400 };

interface CasThread {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
}

let thread: CasThread | null = null;

function startThread(options: CasOptions): CasThread | null {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./cas_worker.mjs', import.meta.url), {
    workerData: { port: port2, flag },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  // A worker that dies (e.g. out of memory) must not crash the process: the next call restarts it.
  worker.on('error', () => {
    if (thread?.worker === worker) thread = null;
  });
  if (Atomics.wait(flag, 0, 0, options.startupMs) === 'timed-out') {
    void worker.terminate();
    return null;
  }
  return { worker, port: port1, flag };
}

/**
 * Compares two LaTeX strings symbolically. Returns true/false when the CAS decided, null when it could
 * not (parse failure, non-numeric result, input too long, or the time limit ran out).
 */
export function casEqual(
  a: string,
  b: string,
  mode: CasMode,
  options: CasOptions = DEFAULT_CAS_OPTIONS,
): boolean | null {
  if (a.length > options.maxLength || b.length > options.maxLength) return null;
  thread ??= startThread(options);
  if (!thread) return null;
  const current = thread;
  const id = ++lastRequestId;
  Atomics.store(current.flag, 0, 0);
  current.port.postMessage({ id, a, b, mode });
  if (Atomics.wait(current.flag, 0, 0, options.timeoutMs) === 'timed-out') {
    abandon(current);
    return null;
  }
  // The reply is posted before the flag is set, so it is normally already queued; allow a moment
  // for the port's queue to catch up rather than misreading an answer as undecided. Replies carry
  // their request's id: one left from an earlier request is skipped, never taken for this one's
  // (an answer read one request late would shift every answer after it), and a thread whose reply
  // does not come is replaced, so nothing stale stays queued.
  for (let tries = 0; tries <= 100; ) {
    const reply = receiveMessageOnPort(current.port)?.message as { id: number; equal: boolean | null } | undefined;
    if (reply?.id === id) return reply.equal ?? null;
    if (reply) continue;
    Atomics.wait(current.flag, 0, 1, 1);
    tries++;
  }
  abandon(current);
  return null;
}

/** Ids of the requests, so that each reply is matched to its own. */
let lastRequestId = 0;

/** Stops a thread that overran or lost a reply; the next comparison starts a new one. */
function abandon(current: CasThread): void {
  void current.worker.terminate();
  if (thread === current) thread = null;
}

/** Stops the worker thread (tests, and commands that want a prompt exit). */
export function stopCas(): void {
  if (thread) void thread.worker.terminate();
  thread = null;
}
