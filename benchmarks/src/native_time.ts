// Time spent inside the native backend's addon calls, so a benchmark can split a step's wall time
// into the kernels' share and the host's (tfjs' engine, the ops' checks and bookkeeping, the
// generation loop: JavaScript running between the kernels). The addon's functions are wrapped in
// place while the timer runs; the backend looks them up on every call, so every call is counted.

/** A running timer over an addon's calls. */
export interface NativeTimer {
  /** Milliseconds inside addon calls since the last reset. */
  elapsedMs(): number;
  /** Starts counting from zero. */
  reset(): void;
  /** Puts the addon's own functions back. */
  stop(): void;
}

/** Wraps every function of `addon` with a timer; call stop() when done. */
export function startNativeTimer(addon: Record<string, unknown>): NativeTimer {
  let elapsed = 0;
  const originals = new Map<string, (...args: unknown[]) => unknown>();
  for (const [name, value] of Object.entries(addon)) {
    if (typeof value !== 'function') continue;
    const original = value as (...args: unknown[]) => unknown;
    originals.set(name, original);
    addon[name] = (...args: unknown[]) => {
      const started = performance.now();
      try {
        return original(...args);
      } finally {
        elapsed += performance.now() - started;
      }
    };
  }
  return {
    elapsedMs: () => elapsed,
    reset: () => {
      elapsed = 0;
    },
    stop: () => {
      for (const [name, original] of originals) addon[name] = original;
    },
  };
}
