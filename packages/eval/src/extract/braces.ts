// Brace-aware scanning shared by extraction and grading: LaTeX nests `{…}`, so regexes alone cannot
// find where `\boxed{…}` or `\frac{…}{…}` ends.

/** Index of the `}` that closes the `{` at `open`, or -1 when it is never closed. Escaped `\{`/`\}` are skipped. */
export function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') {
      i++; // skip the escaped character (`\{`, `\}`, `\\`)
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

const OPENERS = new Set(['(', '[', '{']);
const CLOSERS = new Set([')', ']', '}']);

/**
 * Splits `text` at `separator` characters that sit outside every bracket, brace and `\begin…\end`
 * environment: `(1,2),3` -> [`(1,2)`, `3`]. Half-open intervals such as `[2,5)` count as one group.
 */
export function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
      continue;
    }
    if (ch === '\\') {
      if (text.startsWith('\\begin', i)) depth++;
      else if (text.startsWith('\\end', i)) depth--;
      else if (text[i + 1] === '{' || text[i + 1] === '}') i++;
      continue;
    }
    if (OPENERS.has(ch)) depth++;
    else if (CLOSERS.has(ch)) depth--;
  }
  parts.push(text.slice(start));
  return parts;
}
