// Bundles the GPU check (src/check.ts) and the CLI into carry/app/ with esbuild, so a machine
// with Node and nothing else can run them: tsx, node_modules and the workspace stay here.
// esbuild is the copy vitest already installed (no new dependency).
//
//   node benchmarks/gpu/bundle.mjs OUT_DIR
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const outDir = path.resolve(process.argv[2] ?? path.join(here, 'carry', 'app'));

function findEsbuild() {
  const require = createRequire(import.meta.url);
  try {
    return require('esbuild');
  } catch {
    const store = path.join(root, 'node_modules', '.pnpm');
    const dir = fs
      .readdirSync(store)
      .filter((d) => /^esbuild@\d/.test(d))
      .sort()
      .pop();
    if (!dir) throw new Error('esbuild not found (it comes with vitest: run pnpm install)');
    return require(path.join(store, dir, 'node_modules', 'esbuild'));
  }
}

const esbuild = findEsbuild();
fs.mkdirSync(outDir, { recursive: true });
const result = await esbuild.build({
  entryPoints: {
    check: path.join(here, 'src', 'check.ts'),
    mixdistill: path.join(root, 'packages', 'cli', 'src', 'main.ts'),
  },
  outdir: outDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  // tfjs' CommonJS bundles call require(); in an ES module bundle it has to exist.
  banner: {
    js: "import { createRequire as __mdCreateRequire } from 'node:module'; const require = __mdCreateRequire(import.meta.url);",
  },
  // Optional backends are looked up at run time and are absent there; the addons load by path.
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '*.node'],
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
// select.ts reads the cpu backend's version from its package.json at run time.
const cpuPkg = createRequire(path.join(root, 'packages', 'core', 'package.json')).resolve(
  '@tensorflow/tfjs-backend-cpu/package.json',
);
const cpuDir = path.join(outDir, 'node_modules', '@tensorflow', 'tfjs-backend-cpu');
fs.mkdirSync(cpuDir, { recursive: true });
fs.copyFileSync(cpuPkg, path.join(cpuDir, 'package.json'));
// The CLI's --version (run at every start) reads ../package.json next to its module: give the bundle
// the CLI's own.
fs.copyFileSync(path.join(root, 'packages', 'cli', 'package.json'), path.join(outDir, '..', 'package.json'));
console.error(
  `[gpu-bundle] ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 2 ** 20).toFixed(1)} MiB in ${path.relative(process.cwd(), outDir)}`,
);
