// The SFT record shapes we accept, recognised per line, and their validation.
//
// - alpaca-like: a prompt and a response field (defaults tried in order: instruction/input/output as
//   LLaMA-Factory's alpaca converter, prompt/response, problem/solution as the MATH-style CoT sets),
//   optional `system`;
// - chat: `messages: [{role, content}]` (OpenAI / LLaMA-Factory "sharegpt" with openai tags);
// - pre-tokenized: `{input_ids, labels}` with labels aligned to input_ids and -100 where no loss
//   (Hugging Face convention: the model shifts them, position t predicts token t+1).
import type { JsonlRecord } from './jsonl';

/** Which shape to read lines as (`auto` decides per line from its keys). */
export type SftFormat = 'auto' | 'alpaca' | 'chat' | 'tokenized';
export const SFT_FORMATS: readonly SftFormat[] = ['auto', 'alpaca', 'chat', 'tokenized'];

/** One chat turn. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A record before tokenisation (chat) or already tokenised. */
export type SftExample =
  | { kind: 'chat'; messages: ChatMessage[] }
  | { kind: 'tokens'; inputIds: number[]; labels: number[] };

/** Field names for alpaca-like records; unset fields fall back to the defaults above. */
export interface FieldOptions {
  /** field holding the instruction / question (`--prompt-field`) */
  promptField?: string;
  /** field holding the answer to learn (`--response-field`) */
  responseField?: string;
}

/** Alpaca defaults, tried in order: [prompt, optional extra input, response]. */
const ALPACA_DEFAULTS: readonly [string, string | null, string][] = [
  ['instruction', 'input', 'output'],
  ['prompt', null, 'response'],
  ['problem', null, 'solution'],
];

/** Thrown for a record that does not fit its format; the reader adds file:line. */
export class RecordError extends Error {}

/** Picks the format of one record from its keys. */
export function detectFormat(value: Record<string, unknown>, fields: FieldOptions): Exclude<SftFormat, 'auto'> {
  if ('input_ids' in value) return 'tokenized';
  if ('messages' in value) return 'chat';
  if (fields.promptField || fields.responseField) return 'alpaca';
  if (ALPACA_DEFAULTS.some(([p, , r]) => p in value || r in value)) return 'alpaca';
  throw new RecordError(
    `cannot tell the format from keys [${Object.keys(value).join(', ')}]: expected messages, input_ids, ` +
      `instruction/output, prompt/response or problem/solution (or pass --format and --prompt-field/--response-field)`,
  );
}

/** Validates one record and converts it to an SftExample; throws RecordError naming the field. */
export function parseRecord(rec: JsonlRecord, format: SftFormat, fields: FieldOptions): SftExample {
  const kind = format === 'auto' ? detectFormat(rec.value, fields) : format;
  if (kind === 'tokenized') return parseTokenized(rec.value);
  if (kind === 'chat') return parseChat(rec.value);
  return parseAlpaca(rec.value, fields);
}

function parseAlpaca(v: Record<string, unknown>, fields: FieldOptions): SftExample {
  let [promptKey, inputKey, responseKey] = ALPACA_DEFAULTS.find(([p]) => p in v) ?? ALPACA_DEFAULTS[0];
  if (fields.promptField) [promptKey, inputKey] = [fields.promptField, null];
  if (fields.responseField) responseKey = fields.responseField;
  const prompt = requireString(v, promptKey, false);
  const response = requireString(v, responseKey, true);
  const extra = inputKey !== null && typeof v[inputKey] === 'string' ? (v[inputKey] as string) : '';
  const messages: ChatMessage[] = [];
  if (typeof v.system === 'string' && v.system !== '') messages.push({ role: 'system', content: v.system });
  // LLaMA-Factory joins instruction and input with a newline.
  messages.push({ role: 'user', content: extra ? `${prompt}\n${extra}` : prompt });
  messages.push({ role: 'assistant', content: response });
  return { kind: 'chat', messages };
}

function requireString(v: Record<string, unknown>, key: string, nonEmpty: boolean): string {
  if (!(key in v)) throw new RecordError(`missing field "${key}"`);
  const s = v[key];
  if (typeof s !== 'string') throw new RecordError(`field "${key}" must be a string, got ${typeName(s)}`);
  if (nonEmpty && s.trim() === '') throw new RecordError(`field "${key}" (the response) is empty`);
  return s;
}

function parseChat(v: Record<string, unknown>): SftExample {
  const msgs = v.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) throw new RecordError('field "messages" must be a non-empty array');
  const messages: ChatMessage[] = msgs.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new RecordError(`messages[${i}] must be an object {role, content}`);
    const { role, content } = m as Record<string, unknown>;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      throw new RecordError(`messages[${i}].role must be system, user or assistant, got ${JSON.stringify(role)}`);
    }
    if (typeof content !== 'string')
      throw new RecordError(`messages[${i}].content must be a string, got ${typeName(content)}`);
    return { role, content };
  });
  const assistants = messages.filter((m) => m.role === 'assistant');
  if (assistants.length === 0) throw new RecordError('"messages" has no assistant turn to learn from');
  if (assistants.some((m) => m.content.trim() === ''))
    throw new RecordError('an assistant turn in "messages" is empty');
  return { kind: 'chat', messages };
}

function parseTokenized(v: Record<string, unknown>): SftExample {
  const inputIds = requireIntArray(v, 'input_ids');
  if (!('labels' in v))
    throw new RecordError('missing field "labels" (pre-tokenized records need input_ids and labels)');
  const labels = requireIntArray(v, 'labels');
  if (inputIds.length === 0) throw new RecordError('field "input_ids" is empty');
  if (labels.length !== inputIds.length) {
    throw new RecordError(`"labels" has ${labels.length} entries but "input_ids" has ${inputIds.length}`);
  }
  if (inputIds.some((t) => t < 0)) throw new RecordError('"input_ids" holds a negative token id');
  if (labels.some((t) => t < 0 && t !== -100)) throw new RecordError('"labels" may only hold token ids or -100');
  // Position 0 is never a target (nothing predicts it), so at least one later label must be kept.
  if (!labels.some((t, i) => i > 0 && t !== -100))
    throw new RecordError('"labels" has no target token (all -100): empty response');
  return { kind: 'tokens', inputIds, labels };
}

function requireIntArray(v: Record<string, unknown>, key: string): number[] {
  const a = v[key];
  if (a === undefined) throw new RecordError(`missing field "${key}"`);
  if (!Array.isArray(a) || !a.every((x) => Number.isInteger(x))) {
    throw new RecordError(`field "${key}" must be an array of integers`);
  }
  return a as number[];
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  return typeof x;
}
