// How the CLI talks to a person: help laid out at the terminal's width without breaking a word (yargs'
// layout hard-wraps inside words, "OUT/fina l"), usage errors as one line that names flags the way
// they are typed, and number flags whose bad text is quoted back.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MixdistillError } from '@mixdistill/core';

/** Columns help is laid out in: the terminal's, or 120 when stdout is not a terminal (a pager, a file). */
export function helpWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(40, stream.columns) : 120;
}

/**
 * Re-wraps yargs' unwrapped help (`.wrap(null)`) at `width` on word boundaries. A line whose text sits
 * after a two-space gap (an option and its description) continues under that text; example command
 * lines are never wrapped (a wrapped command cannot be pasted): their description moves below them.
 */
export function reflowHelp(text: string, width: number): string {
  const out: string[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (/^\S.*:$/.test(line)) section = line;
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    if (section === 'Examples:') {
      const m = /^(\s*\S.*?)\s{2,}(\S.*)$/.exec(line);
      if (m) {
        out.push(m[1], ...wrapWords(m[2], width, '      '));
      } else out.push(line);
      continue;
    }
    const m = /^(\s*\S.*?\s{2,})(\S.*)$/.exec(line);
    const head = m && m[1].length < width / 2 ? m[1] : (/^\s*/.exec(line)?.[0] ?? '');
    const body = line.slice(head.length);
    const lines = wrapWords(body, width, ' '.repeat(head.length));
    lines[0] = head + lines[0].trimStart();
    out.push(...lines);
  }
  return out.join('\n');
}

/** Words of `text` in lines of at most `width` columns (a single longer word keeps its own line). */
function wrapWords(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let cur = indent;
  for (const word of text.split(/ +/)) {
    if (word === '') continue;
    if (cur.trim() !== '' && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = indent;
    }
    cur = cur.trim() === '' ? indent + word : `${cur} ${word}`;
  }
  lines.push(cur);
  return lines;
}

/**
 * One line for a yargs usage error: flags as typed (yargs lists `bogus-opt, bogusOpt` for one unknown
 * flag), one "see --help" hint naming the command's own help.
 */
export function usageError(msg: string, command: string | null): MixdistillError {
  const hint = `see mixdistill ${command ? `${command} ` : ''}--help`;
  let text = msg.replace(/\s*\(see [^)]*--help\)/g, '');
  const unknown = /^Unknown arguments?: (.*)$/.exec(text);
  if (unknown) {
    const names = unknown[1].split(', ').filter((n) => !/[A-Z]/.test(n) || !unknown[1].includes(kebab(n)));
    const flags = [...new Set(names.map((n) => (n.length === 1 ? `-${n}` : `--${kebab(n)}`)))];
    text = `unknown option${flags.length > 1 ? 's' : ''} ${flags.join(', ')}`;
  }
  const missing = /^Missing required arguments?: (.*)$/.exec(text);
  if (missing)
    text = `missing ${missing[1]
      .split(', ')
      .map((n) => `--${n}`)
      .join(', ')}`;
  const invalid = /^Invalid values?:\s*Argument: (\S+), Given: (.*), Choices: (.*)$/s.exec(text);
  if (invalid) text = `--${invalid[1]}: ${invalid[2]} is not one of ${invalid[3]}`;
  text = text.replace(/\s*\n\s*/g, ' ').trim();
  return new MixdistillError(`${text} (${hint})`);
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Number flags that yargs could not parse arrive as NaN; this names the flag and quotes what was given
 * (`--lr: expected a number, got "abc"`) instead of a later check's "got null".
 */
export function checkNumbers(parsed: Record<string, unknown>, argv: readonly string[]): void {
  for (const [key, value] of Object.entries(parsed)) {
    if (/[A-Z]/.test(key) || key === '$0' || key === '_') continue;
    const values = Array.isArray(value) ? value : [value];
    if (!values.some((v) => typeof v === 'number' && Number.isNaN(v))) continue;
    const flag = key.length === 1 ? `-${key}` : `--${key}`;
    throw new MixdistillError(`${flag}: expected a number, got ${JSON.stringify(givenText(argv, flag) ?? '')}`);
  }
}

/** The text after `--flag` (or in `--flag=text`) on the command line. */
function givenText(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}

/**
 * Library messages sometimes name an option by its field (`maxNewTokens`); the user typed a flag.
 * Every camelCase word that is the field of one of the command's flags becomes that flag.
 */
export function namesAsFlags(message: string, flags: ReadonlySet<string>): string {
  return message.replace(/(?<![\w-])([a-z]+(?:[A-Z][a-z0-9]*)+)\b/g, (word) => {
    const flag = kebab(word);
    return flags.has(flag) ? `--${flag}` : word;
  });
}

/** `name version (git commit)` of this checkout, for --version. */
export function versionText(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(fs.readFileSync(path.join(here, '..', 'package.json'), 'utf8')) as { version: string };
  return `mixdistill ${pkg.version}${gitCommit(path.join(here, '..', '..', '..'))}`;
}

/** ` (commit abc1234)` when run from a git checkout, read from .git without running git. */
function gitCommit(root: string): string {
  try {
    let gitDir = path.join(root, '.git');
    if (fs.statSync(gitDir).isFile()) {
      // a worktree: ".git" is a file "gitdir: <path>"
      gitDir = path.resolve(
        root,
        fs
          .readFileSync(gitDir, 'utf8')
          .replace(/^gitdir:\s*/, '')
          .trim(),
      );
    }
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return ` (commit ${head.slice(0, 7)})`;
    const ref = head.slice(5);
    const common = fs.existsSync(path.join(gitDir, 'commondir'))
      ? path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim())
      : gitDir;
    for (const dir of [gitDir, common]) {
      const file = path.join(dir, ref);
      if (fs.existsSync(file)) return ` (commit ${fs.readFileSync(file, 'utf8').trim().slice(0, 7)})`;
    }
    const packed = fs.readFileSync(path.join(common, 'packed-refs'), 'utf8');
    const line = packed.split('\n').find((l) => l.endsWith(` ${ref}`));
    return line ? ` (commit ${line.slice(0, 7)})` : '';
  } catch {
    return '';
  }
}
