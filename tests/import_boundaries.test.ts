// The dependency rules of docs/ARCHITECTURE.md, checked on every import in the tree:
// - a package reaches another only through its public entries (`@mixdistill/<name>`, or a subpath the
//   target declares in its package.json `exports`, e.g. `@mixdistill/eval/testing`), never by a
//   relative path out of its own folder or a `packages/<name>/src/...` path;
// - it imports only the workspace packages its package.json lists (so layers point one way);
// - fused ops dispatch by kernel name: nothing in core/src/ops imports a particular backend.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** Workspace folders that hold code, with the package name each is imported by. */
function workspaceFolders(): { dir: string; name: string; deps: Set<string>; entries: Set<string> }[] {
  const dirs = [
    ...fs.readdirSync(path.join(root, 'packages')).map((d) => path.join(root, 'packages', d)),
    path.join(root, 'benchmarks'),
    path.join(root, 'docs/examples'),
  ];
  return dirs
    .filter((d) => fs.existsSync(path.join(d, 'package.json')))
    .map((dir) => {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        exports?: Record<string, string>;
      };
      // Each declared export ('.', './testing') as the specifier that reaches it.
      const entries = new Set(Object.keys(pkg.exports ?? { '.': '' }).map((key) => `${pkg.name}${key.slice(1)}`));
      return {
        dir,
        name: pkg.name,
        deps: new Set(Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })),
        entries,
      };
    });
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'build' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) out.push(full);
  }
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs: string[] = [];
  const patterns = [
    /\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) specs.push(m[1]);
  return specs;
}

describe('import boundaries', () => {
  const folders = workspaceFolders();
  const names = new Set(folders.map((f) => f.name));
  const entries = new Set(folders.flatMap((f) => [...f.entries]));

  it('finds the workspace packages', () => {
    expect(names.has('@mixdistill/core')).toBe(true);
    expect(folders.length).toBeGreaterThanOrEqual(5);
  });

  it('crosses packages only through declared public entries', () => {
    const problems: string[] = [];
    for (const folder of folders) {
      for (const file of sourceFiles(folder.dir)) {
        const rel = path.relative(root, file);
        for (const spec of importsOf(file)) {
          if (spec.startsWith('.')) {
            const target = path.resolve(path.dirname(file), spec);
            if (!target.startsWith(folder.dir + path.sep))
              problems.push(`${rel}: '${spec}' leaves ${path.relative(root, folder.dir)}`);
          } else if (/packages\/[a-z-]+\/src/.test(spec)) {
            problems.push(`${rel}: '${spec}' is a deep import`);
          } else if (spec.startsWith('@mixdistill/')) {
            const pkg = spec.split('/').slice(0, 2).join('/');
            if (!names.has(pkg)) problems.push(`${rel}: '${spec}' is no workspace package`);
            else if (!entries.has(spec)) problems.push(`${rel}: '${spec}' is not a public entry of ${pkg}`);
            else if (pkg !== folder.name && !folder.deps.has(pkg)) {
              problems.push(`${rel}: '${spec}' is not a dependency of ${folder.name}`);
            }
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps particular backends out of core/src/ops (selection through select.ts is fine)', () => {
    const ops = path.join(root, 'packages/core/src/ops');
    const problems = sourceFiles(ops).flatMap((file) =>
      importsOf(file)
        .filter(
          (spec) =>
            spec.startsWith('.') && /[/\\]backend[/\\][^/\\]+[/\\]/.test(path.resolve(path.dirname(file), spec)),
        )
        .map((spec) => `${path.relative(root, file)}: '${spec}'`),
    );
    expect(problems).toEqual([]);
  });

  it('keeps the layers pointing one way', () => {
    // Allowed workspace dependencies per package; a new package adds its line here and in ARCHITECTURE.md.
    const layers: Record<string, string[]> = {
      '@mixdistill/core': [],
      '@mixdistill/models': ['@mixdistill/core'],
      '@mixdistill/train': ['@mixdistill/core', '@mixdistill/models'],
      '@mixdistill/eval': ['@mixdistill/core', '@mixdistill/models'],
      '@mixdistill/distill': ['@mixdistill/core', '@mixdistill/models', '@mixdistill/train', '@mixdistill/eval'],
      '@mixdistill/sweep': ['@mixdistill/core', '@mixdistill/models', '@mixdistill/train', '@mixdistill/eval'],
      '@mixdistill/demo': [
        '@mixdistill/core',
        '@mixdistill/models',
        '@mixdistill/train',
        '@mixdistill/eval',
        '@mixdistill/distill',
        '@mixdistill/sweep',
      ],
      '@mixdistill/benchmarks': ['@mixdistill/core', '@mixdistill/models', '@mixdistill/train'],
    };
    const problems: string[] = [];
    for (const folder of folders) {
      const allowed = layers[folder.name];
      if (!allowed) continue;
      for (const dep of folder.deps) {
        if (dep.startsWith('@mixdistill/') && !allowed.includes(dep)) problems.push(`${folder.name} depends on ${dep}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
