// JSON.parse keeps the last of two equal keys without a word, so a safetensors header naming one
// tensor twice would silently lose a tensor. This scans the raw header text for repeated top-level keys.

/**
 * Returns the first key that occurs twice in the top-level object of `json`, or undefined.
 * `json` must already be valid JSON whose top level is an object (JSON.parse succeeded on it).
 * Keys are compared after unescaping, so `"a"` and `"\u0061"` are the same key.
 */
export function findDuplicateTopLevelKey(json: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  // At depth 1 inside the top-level object, the next string is a key after `{` or `,`.
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      const end = endOfString(json, i);
      if (depth === 1 && expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = end;
    } else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return undefined;
}

/** Index of the closing quote of the string that opens at `start`. */
function endOfString(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === '\\') i++;
    else if (json[i] === '"') return i;
  }
  return json.length - 1; // unreachable for valid JSON
}
