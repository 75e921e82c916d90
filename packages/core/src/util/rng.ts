// The one seeded PRNG of the project. Its whole state is one uint32, so a checkpoint can store it and a
// resumed run draws the same numbers; the same seed gives the same draws on every machine and Node
// version (Math.random cannot be seeded). mulberry32 (Tommy Ettinger's public-domain generator): fast,
// 2^32 period, more than enough for shuffling, mixing, dropout masks, sampling and the demo's problems.

/** Deterministic random source; `state` is the entire state (save it to resume). */
export class Rng {
  /** uint32 state, advanced by every draw. */
  state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty list, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Fisher–Yates shuffle of a copy of `items`. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i];
      out[i] = out[j];
      out[j] = tmp;
    }
    return out;
  }
}

/**
 * A seed derived from a base seed and a sequence of integers (epoch, step, …), so per-epoch shuffles
 * and per-step dropout masks are pure functions of (seed, position) and need no saved state.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const p of parts) {
    // splitmix32-style avalanche of the running hash mixed with the next part.
    h = (h ^ (p >>> 0)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = (h + 0x9e3779b9) >>> 0;
  }
  return h;
}

/** FNV-1a 32-bit hash of a string: a stable, platform-independent seed or bucket (e.g. a split). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
