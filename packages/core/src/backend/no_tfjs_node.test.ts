// Issue #17 item 8: tfjs-node(-gpu) are not dependencies (their install scripts download libtensorflow
// and flood an offline install with ENOTFOUND traces); the tensorflow backend stays loadable when a
// user installs one, and `backend` says how.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectBackend } from './select';

const CORE = path.resolve(__dirname, '../..');

describe('tfjs-node is optional and explained', () => {
  it('is not in any dependency list of @mixdistill/core', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(CORE, 'package.json'), 'utf8'));
    const all = { ...pkg.dependencies, ...pkg.optionalDependencies, ...pkg.devDependencies };
    expect(Object.keys(all).filter((n) => n.startsWith('@tensorflow/tfjs-node'))).toEqual([]);
  });

  it('names how to install it when the tensorflow backend is skipped or asked for', async () => {
    const info = await selectBackend('cpu');
    expect(info.name).toBe('cpu');
    const hasNode = (() => {
      try {
        require.resolve('@tensorflow/tfjs-node/package.json', { paths: [CORE] });
        return true;
      } catch {
        return false;
      }
    })();
    if (hasNode) return; // a user installed it: nothing to explain
    await expect(selectBackend('tensorflow')).rejects.toThrow(
      /tensorflow unavailable: .*not installed.*add @tensorflow\/tfjs-node@4\.22\.0 --filter @mixdistill\/core/,
    );
  });
});
