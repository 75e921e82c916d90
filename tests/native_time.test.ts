// benchmarks/src/native_time.ts: the decode benchmark's split of a step into kernel and host time
// rests on it counting the time inside every addon function and handing the addon back intact.
import { describe, expect, it } from 'vitest';
import { startNativeTimer } from '../benchmarks/src/native_time';

/** Spins for about `ms` milliseconds. */
function busy(ms: number): number {
  const until = performance.now() + ms;
  let spins = 0;
  while (performance.now() < until) spins++;
  return spins;
}

describe('startNativeTimer', () => {
  it('counts the time inside the wrapped functions only, passes results and errors through, and restores them', () => {
    const addon: Record<string, unknown> = {
      work: (ms: number) => busy(ms),
      fail: () => {
        throw new Error('bad shape');
      },
      version: '1.0',
    };
    const original = addon.work;
    const timer = startNativeTimer(addon);
    expect(addon.work).not.toBe(original);
    expect((addon.work as (ms: number) => number)(20)).toBeGreaterThan(0);
    busy(30); // outside the addon: not counted
    expect(() => (addon.fail as () => void)()).toThrow('bad shape');
    const counted = timer.elapsedMs();
    expect(counted).toBeGreaterThanOrEqual(20);
    expect(counted).toBeLessThan(45);
    timer.reset();
    expect(timer.elapsedMs()).toBe(0);
    timer.stop();
    expect(addon.work).toBe(original);
    expect(addon.version).toBe('1.0');
  });
});
