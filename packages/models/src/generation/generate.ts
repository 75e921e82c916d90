// Autoregressive generation for prompts with a KV cache: one prefill over left-padded prompts,
// then one single-token forward per step (transformers' generate with padding_side="left": padding
// is its own attention segment and positions start at each prompt's first real token, so a padded
// row computes what it would alone). With more prompts than `batchSize`, decoding is continuous: a
// finished sequence leaves the batch and a waiting prompt, prefilled on its own, takes its place,
// its keys right-aligned to end where the batch's do (KVCache.admit), so the batch stays full
// instead of draining to its longest answer.
import { MixdistillError, readInto, tf } from '@mixdistill/core';
import type { CausalLM } from '../model/causal_lm';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { KVCache } from './kv_cache';
import { createSampler } from './sampler';
import { StoppingCriteria, type FinishReason } from './stopping_criteria';

export interface GenerateOptions {
  /** Most tokens to add to each prompt. */
  maxNewTokens: number;
  /** Sampling temperature; undefined or 0: greedy decoding. */
  temperature?: number;
  /** Nucleus sampling: keep the most likely tokens up to this probability mass. */
  topP?: number;
  /** Keep only the k most likely tokens when sampling. */
  topK?: number;
  /** Seeds sampling; prompt i draws from seed + i, so a batch samples what each prompt would alone. */
  seed?: number;
  /** A sequence ends after any of these tokens (included in its output). */
  stopTokenIds?: number[];
  /** A sequence ends once its generated text contains any of these (needs `tokenizer`). */
  stopStrings?: string[];
  tokenizer?: Tokenizer;
  /** Called with each new token as soon as it is chosen (for streaming). */
  onToken?: (promptIndex: number, tokenId: number) => void;
  /**
   * Sequences decoded together (default: every prompt). Further prompts wait, in the given order,
   * and each takes the place of a finished sequence once the batch's cache holds as many positions
   * as its prompt (so give them shortest first).
   */
  batchSize?: number;
  /**
   * Cap each prompt's new tokens at what fits after it in the model's context
   * (max_position_embeddings) instead of refusing prompts that leave less room than maxNewTokens.
   */
  capToContext?: boolean;
  /** Called (and awaited) once per prompt, as soon as its sequence ends. */
  onFinish?: (promptIndex: number, result: GenerationResult) => void | Promise<void>;
}

export interface GenerationResult {
  /** New tokens, the stop token included when one ended the sequence. */
  tokens: number[];
  finishReason: FinishReason;
}

/** The sequences being decoded together and their cache; row r of the cache is `prompt[r]`. */
interface RunningBatch {
  cache: KVCache;
  /** prompt index of each row; FREE for a row whose sequence ended (decoded, its tokens unused) */
  prompt: number[];
  /** each row's next input token (its last chosen one) */
  next: number[];
  /** the first cache position each row attends to (its prompt's first token) */
  start: number[];
}

/** A row of a running batch whose sequence ended, until a waiting prompt takes it. */
const FREE = -1;

/** Prompts prefilled together: their own cache, each row's first position, and the chosen tokens. */
interface Prefilled {
  cache: KVCache;
  start: number[];
  chosen: number[];
}

export async function generate(
  model: CausalLM,
  prompts: number[][],
  options: GenerateOptions,
): Promise<GenerationResult[]> {
  validate(model, prompts, options);
  const rows = Math.min(options.batchSize ?? prompts.length, prompts.length);
  const sampling = options.temperature
    ? { temperature: options.temperature, topK: options.topK, topP: options.topP }
    : null;
  // Sampling draws from each row's logits; greedy decoding reads only each row's argmax.
  const samplers = sampling ? prompts.map((_, i) => createSampler(sampling, (options.seed ?? 0) + i)) : null;
  const stopping = new StoppingCriteria({
    maxNewTokens: options.maxNewTokens,
    stopTokenIds: options.stopTokenIds ?? [],
    stopStrings: options.stopStrings ?? [],
    tokenizer: options.tokenizer,
  });
  const context = model.config.maxPositionEmbeddings;
  // The most tokens each prompt may add.
  const limits = prompts.map((p) =>
    options.capToContext ? Math.min(options.maxNewTokens, context - p.length) : options.maxNewTokens,
  );
  const results: GenerationResult[] = prompts.map(() => ({ tokens: [], finishReason: 'length' }));
  if (options.maxNewTokens === 0) {
    for (let i = 0; i < prompts.length; i++) await options.onFinish?.(i, results[i]);
    return results;
  }
  // Every step's logits land in this one array (as many rows as the largest step).
  let logitsBuffer: Float32Array | undefined;

  /** The token each row chooses from logits [rows, 1, vocab] (disposed here). */
  const choose = async (logits: tf.Tensor, promptIndices: number[]): Promise<number[]> => {
    try {
      if (samplers) {
        const values = await readInto(logits, logitsBuffer);
        if (!logitsBuffer || values.length > logitsBuffer.length) logitsBuffer = values;
        const vocab = values.length / promptIndices.length;
        return promptIndices.map((i, row) =>
          i === FREE ? 0 : samplers[i].next(values.subarray(row * vocab, (row + 1) * vocab)),
        );
      }
      const ids = tf.argMax(logits, -1); // [rows, 1]
      const chosen = Array.from(await ids.data());
      ids.dispose();
      return chosen;
    } finally {
      logits.dispose();
    }
  };

  /** Appends each row's token; returns the rows whose sequences go on (the others are reported). */
  const record = async (promptIndices: number[], chosen: number[]): Promise<number[]> => {
    const going: number[] = [];
    for (let row = 0; row < promptIndices.length; row++) {
      const i = promptIndices[row];
      if (i === FREE) continue;
      const result = results[i];
      result.tokens.push(chosen[row]);
      options.onToken?.(i, chosen[row]);
      const reason = stopping.check(result.tokens, limits[i]);
      if (!reason) going.push(row);
      else {
        result.finishReason = reason;
        await options.onFinish?.(i, result);
      }
    }
    return going;
  };

  /** One forward over the prompts, left-padded to the longest (padding: segment 0, prompt: 1). */
  const prefill = async (promptIndices: number[], reserve: number): Promise<Prefilled> => {
    const width = Math.max(...promptIndices.map((i) => prompts[i].length));
    const pad = promptIndices.map((i) => width - prompts[i].length);
    const cache = new KVCache(model.config.numHiddenLayers, width + reserve);
    try {
      const logits = tf.tidy(() =>
        model.forward(
          tf.tensor2d(
            promptIndices.map((i, row) => [...new Array<number>(pad[row]).fill(0), ...prompts[i]]),
            [promptIndices.length, width],
            'int32',
          ),
          {
            positionIds: tf.tensor2d(
              pad.map((n) => range(width).map((j) => Math.max(0, j - n))),
              [promptIndices.length, width],
              'int32',
            ),
            segmentIds: pad.some((n) => n > 0)
              ? tf.tensor2d(
                  pad.map((n) => range(width).map((j) => (j < n ? 0 : 1))),
                  [promptIndices.length, width],
                  'int32',
                )
              : undefined,
            cache,
            lastPositionOnly: true,
          },
        ),
      ); // [rows, 1, vocab]
      return { cache, start: pad, chosen: await choose(logits, promptIndices) };
    } catch (error) {
      cache.dispose();
      throw error;
    }
  };

  /** Marks the rows that did not go on free; with no prompt waiting, they leave the batch. */
  const settle = (batch: RunningBatch, going: number[]): void => {
    if (going.length === batch.prompt.length) return;
    const goes = new Set(going);
    batch.prompt = batch.prompt.map((i, row) => (goes.has(row) ? i : FREE));
    if (waiting.length > 0) return;
    const live = batch.prompt.flatMap((i, row) => (i === FREE ? [] : [row]));
    // No row left: the batch ends (the caller disposes its cache).
    if (live.length === batch.prompt.length || live.length === 0) return;
    batch.cache.keepRows(live);
    batch.prompt = live.map((r) => batch.prompt[r]);
    batch.next = live.map((r) => batch.next[r]);
    batch.start = live.map((r) => batch.start[r]);
  };

  /**
   * Waiting prompts that fit before the batch's end take free rows, a group at a time (an eighth of
   * the batch, or the last prompts: each admission is a prefill and a write per row and layer).
   */
  const admit = async (batch: RunningBatch): Promise<void> => {
    const free = batch.prompt.flatMap((i, row) => (i === FREE ? [row] : []));
    let fitting = 0;
    while (fitting < Math.min(free.length, waiting.length) && prompts[waiting[fitting]].length <= batch.cache.length)
      fitting++;
    if (fitting === 0 || fitting < Math.min(waiting.length, Math.ceil(rows / 8))) return;
    const promptIndices = waiting.splice(0, fitting);
    const joining = await prefill(promptIndices, 0);
    try {
      const going = await record(promptIndices, joining.chosen);
      if (going.length > 0) {
        if (going.length < promptIndices.length) joining.cache.keepRows(going);
        const offset = batch.cache.length - joining.cache.length;
        const slots = free.slice(0, going.length);
        batch.cache.admit(joining.cache, slots);
        going.forEach((row, j) => {
          batch.prompt[slots[j]] = promptIndices[row];
          batch.next[slots[j]] = joining.chosen[row];
          batch.start[slots[j]] = offset + joining.start[row];
        });
      }
    } finally {
      joining.cache.dispose();
    }
    // Once no prompt waits, free rows leave.
    settle(
      batch,
      batch.prompt.flatMap((i, row) => (i === FREE ? [] : [row])),
    );
  };

  const waiting = prompts.map((_, i) => i);
  let batch: RunningBatch | null = null;
  try {
    while (batch || waiting.length > 0) {
      if (!batch) {
        // A new batch: the cache has room for its longest prompt and every new token.
        const promptIndices = waiting.splice(0, rows);
        const first = await prefill(promptIndices, Math.max(...promptIndices.map((i) => limits[i])));
        batch = { cache: first.cache, prompt: promptIndices, next: first.chosen, start: first.start };
        settle(batch, await record(promptIndices, first.chosen));
      } else {
        await decodeStep(batch);
        if (waiting.length > 0) await admit(batch);
      }
      if (batch.prompt.every((i) => i === FREE)) {
        batch.cache.dispose();
        batch = null;
      }
    }
    return results;
  } finally {
    // Disposing twice is a no-op, so this also covers an error between two steps.
    batch?.cache.dispose();
  }

  /** One token for every row of the batch (free rows too: their tokens go unused). */
  async function decodeStep(running: RunningBatch): Promise<void> {
    const { cache } = running;
    // A full cache first forgets the positions no row reads any more, when that frees a quarter
    // of it; otherwise its buffers double (KVCache.prepare).
    const unread = Math.min(...running.start.filter((_, row) => running.prompt[row] !== FREE));
    if (cache.length >= cache.capacity && unread >= cache.capacity / 4) {
      cache.dropFront(unread);
      running.start = running.start.map((p) => Math.max(0, p - unread));
    }
    const n = running.prompt.length;
    const logits = tf.tidy(() =>
      model.forward(
        tf.tensor2d(
          running.next.map((t) => [t]),
          [n, 1],
          'int32',
        ),
        {
          // The token just chosen sits right after the prompt and the tokens before it.
          positionIds: tf.tensor2d(
            running.prompt.map((i) => [i === FREE ? 0 : prompts[i].length + results[i].tokens.length - 1]),
            [n, 1],
            'int32',
          ),
          cache,
          lastPositionOnly: true,
        },
      ),
    ); // [n, 1, vocab]
    const chosen = await choose(logits, running.prompt);
    running.next = chosen;
    settle(running, await record(running.prompt, chosen));
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function validate(model: CausalLM, prompts: number[][], options: GenerateOptions): void {
  if (prompts.length === 0) throw new MixdistillError('generate: no prompts given');
  const vocab = model.config.vocabSize;
  prompts.forEach((p, i) => {
    if (p.length === 0) throw new MixdistillError(`generate: prompt ${i} is empty`);
    const bad = p.find((id) => !Number.isInteger(id) || id < 0 || id >= vocab);
    if (bad !== undefined)
      throw new MixdistillError(`generate: prompt ${i} has token id ${bad}, outside the vocabulary [0, ${vocab})`);
  });
  if (!Number.isInteger(options.maxNewTokens) || options.maxNewTokens < 0) {
    throw new MixdistillError(`generate: maxNewTokens must be a non-negative integer, got ${options.maxNewTokens}`);
  }
  if (options.temperature !== undefined && !(options.temperature >= 0)) {
    throw new MixdistillError(`generate: temperature must be ≥ 0, got ${options.temperature}`);
  }
  if (options.topP !== undefined && !(options.topP > 0 && options.topP <= 1)) {
    throw new MixdistillError(`generate: topP must be in (0, 1], got ${options.topP}`);
  }
  if (options.topK !== undefined && !(Number.isInteger(options.topK) && options.topK >= 0)) {
    throw new MixdistillError(`generate: topK must be a non-negative integer, got ${options.topK}`);
  }
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1)) {
    throw new MixdistillError(`generate: batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (options.stopStrings?.length && !options.tokenizer) {
    throw new MixdistillError('generate: stopStrings need a tokenizer to decode the generated text');
  }
  const context = model.config.maxPositionEmbeddings;
  if (options.capToContext) {
    const full = prompts.findIndex((p) => p.length >= context);
    if (full >= 0)
      throw new MixdistillError(
        `generate: prompt ${full} of ${prompts[full].length} tokens fills the model's context (max_position_embeddings ${context})`,
      );
    return;
  }
  const longest = Math.max(...prompts.map((p) => p.length)) + options.maxNewTokens;
  if (longest > context) {
    throw new MixdistillError(
      `generate: prompt + maxNewTokens = ${longest} positions exceeds max_position_embeddings ${context}`,
    );
  }
}
