// The thread pool under many short loops of varying task counts, and rebuilt right after start-up.
// Both races it once had hung the process (a late worker running a task of the next loop with a
// stale index; a worker starting after its pool's destructor), so the loops run in a child process
// with a time limit: a hang fails the test instead of stalling the suite.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ADDON_PATH } from './addon';
import { ADDON_BUILT, SKIP_REASON } from './test_helpers';

const LOOPS = `
const addon = require(${JSON.stringify(ADDON_PATH)});
for (let i = 0; i < 20; i++) addon.setThreads(2 + (i % 2));
addon.setThreads(2);
const sizes = [1 << 12, 1 << 15, 1 << 13, 1 << 17, 1 << 14, 3000, 70000];
const bufs = sizes.map((n) => [new Float32Array(n).fill(0.5), new Float32Array(n)]);
for (let i = 0; i < 100000; i++) {
  const [x, y] = bufs[i % sizes.length];
  addon.unary(0, x, y, x.length, 0);
  addon.reduce(0, x, y, 1, x.length >> 4, 16);
}
process.stdout.write('done');
`;

describe.skipIf(!ADDON_BUILT)(`native thread pool${SKIP_REASON}`, () => {
  it('finishes 200,000 parallel loops and 21 pool rebuilds without hanging', () => {
    const child = spawnSync(process.execPath, ['-e', LOOPS], { encoding: 'utf8', timeout: 60_000 });
    expect(child.signal, 'the loops hung and were killed after 60 s').toBeNull();
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('done');
  });
});
