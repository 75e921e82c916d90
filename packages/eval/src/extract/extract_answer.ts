// Finds the final answer in a model response. Order of preference, as in the paper's harness and
// Qwen2.5-Math's `extract_answer`: the last `\boxed{}` / `\fbox{}`, then "Final Answer:", then
// "The answer is", then GSM8K's `####`, then the last number in the text.
import { matchingBrace } from './braces';

const BOX_COMMANDS = ['\\boxed', '\\fbox'];

/**
 * Content of the last `\boxed{…}` or `\fbox{…}` (braces balanced), or of `\boxed 5` (up to the
 * next `$`, newline or end). Null when there is none, or when the last one was never closed
 * (a response cut off inside its box has no answer).
 */
export function lastBoxed(text: string): string | null {
  let at = -1;
  let command = '';
  for (const c of BOX_COMMANDS) {
    let i = text.lastIndexOf(c);
    // `\boxedx` is another command; keep looking further left.
    while (i >= 0 && /[a-zA-Z]/.test(text[i + c.length] ?? '')) i = text.lastIndexOf(c, i - 1);
    if (i > at) {
      at = i;
      command = c;
    }
  }
  if (at < 0) return null;
  let i = at + command.length;
  while (text[i] === ' ') i++;
  if (text[i] === '{') {
    const close = matchingBrace(text, i);
    return close < 0 ? null : text.slice(i + 1, close).trim();
  }
  const rest = text.slice(i);
  const end = rest.search(/[$\n]/);
  const value = (end < 0 ? rest : rest.slice(0, end)).trim().replace(/\.$/, '');
  return value === '' ? null : value;
}

/**
 * The answer written right after a phrase such as "Final Answer:": the first math span (`$…$`,
 * `\(…\)`, `\[…\]`) if the line starts with one, else the line up to the end of its sentence.
 */
export function answerAfterPhrase(rest: string): string {
  // Markdown emphasis around the answer (`**42**`) is decoration.
  const start = rest.replace(/\*\*/g, '').replace(/^[\s:]+/, '');
  const line = start.split('\n')[0].trim();
  const boxed = lastBoxed(line);
  if (boxed !== null) return boxed;
  // Display math may span lines: "Final Answer:\n$$\n42\n$$".
  const span = /^(?:\$\$([\s\S]+?)\$\$|\$([^$]+)\$|\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\])/.exec(start);
  if (span) return (span[1] ?? span[2] ?? span[3] ?? span[4]).trim();
  // A sentence ends at ". " or at the end of the line; "3.5" keeps its point.
  const sentence = line.split(/\.(?:\s|$)/)[0];
  return sentence.trim().replace(/\.$/, '');
}

const PHRASES: RegExp[] = [/final answer\s*(?:is)?\s*:?/gi, /the answer is\s*:?/gi];

function afterLastMatch(text: string, re: RegExp): string | null {
  let last: RegExpExecArray | null = null;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) last = m;
  return last ? text.slice(last.index + last[0].length) : null;
}

/** Matches numbers as people write them: `-3`, `1,450,000`, `2.5`, `.5`. */
const NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+/g;

/** The answer text of a response (raw, before normalisation); '' when nothing answer-like is present. */
export function extractAnswer(response: string): string {
  const boxed = lastBoxed(response);
  if (boxed !== null) return boxed;
  for (const phrase of PHRASES) {
    const rest = afterLastMatch(response, phrase);
    if (rest !== null) {
      const answer = answerAfterPhrase(rest);
      if (answer !== '') return answer;
    }
  }
  const hashes = response.lastIndexOf('####');
  if (hashes >= 0) {
    const answer = response
      .slice(hashes + 4)
      .split('\n')[0]
      .trim()
      .replace(/\.$/, '');
    if (answer !== '') return answer;
  }
  const numbers = response.match(NUMBER);
  return numbers ? numbers[numbers.length - 1] : '';
}
