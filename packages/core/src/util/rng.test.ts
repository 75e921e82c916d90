// The draws are pinned: checkpoints store the state, golden runs and the demo's data depend on the
// exact sequence, so any change to the generator must show up here first.
import { describe, expect, it } from 'vitest';
import { deriveSeed, hash32, Rng } from './rng';

describe('Rng (mulberry32)', () => {
  it('draws the pinned sequence and exposes its whole state', () => {
    const rng = new Rng(0);
    expect([rng.next(), rng.next(), rng.next()]).toEqual([
      0.26642920868471265, 0.0003297457005828619, 0.2232720274478197,
    ]);
    expect(rng.state).toBe(1199730143);
    const resumed = new Rng(0);
    resumed.state = rng.state;
    expect(resumed.next()).toBe(rng.next());
  });

  it('shuffles, picks and derives seeds deterministically', () => {
    expect(new Rng(42).shuffled([0, 1, 2, 3, 4, 5, 6, 7])).toEqual([2, 7, 1, 0, 6, 5, 3, 4]);
    const a = new Rng(7);
    const b = new Rng(7);
    expect(a.pick(['x', 'y', 'z'])).toBe(['x', 'y', 'z'][b.int(3)]);
    expect(deriveSeed(1, 2, 3)).toBe(615286403);
    expect(hash32('seed:1')).toBe(3601186281);
  });
});
