// Install-time build of the native backend addon (`pnpm install` runs it through the package's
// "install" script). The install must never fail because of the addon: on any error this prints
// why and exits 0, and start-up then reports `native` as unavailable and falls back to `cpu`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function warn(reason) {
  console.error(`[mixdistill] native addon not built: ${reason}`);
  console.error(
    '[mixdistill] the `cpu` backend will be used instead (slow); install g++ and make, then run `pnpm install` again',
  );
  process.exit(0);
}

if (process.env.MIXDISTILL_SKIP_NATIVE_BUILD) warn('MIXDISTILL_SKIP_NATIVE_BUILD is set');

let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  warn('node-gyp is not installed');
}

// Use the headers of the running Node when they are installed next to it (Debian's nodejs-dev,
// official tarballs), so the build works offline.
const args = [gyp, 'rebuild', '--directory', here, `--jobs=${Math.max(1, os.availableParallelism())}`];
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

console.error('[mixdistill] building the native backend addon (about a minute)...');
const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
if (result.error) warn(result.error.message);
if (result.status !== 0) {
  const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const firstError =
    log.split('\n').find((l) => /error|not found|No such file/i.test(l)) ?? `node-gyp exited with ${result.status}`;
  console.error(log.split('\n').slice(-30).join('\n'));
  warn(firstError.trim());
}
console.error('[mixdistill] native addon built: packages/core/native/build/Release/mixdistill_native.node');
