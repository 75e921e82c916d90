// Autoregressive generation for a batch of prompts with a KV cache: one prefill over the
// left-padded prompts, then one single-token forward per step (transformers' generate with
// padding_side="left": padding is its own attention segment and positions start at each
// prompt's first real token, so a padded row computes what it would alone).
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
}

export interface GenerationResult {
  /** New tokens, the stop token included when one ended the sequence. */
  tokens: number[];
  finishReason: FinishReason;
}

export async function generate(
  model: CausalLM,
  prompts: number[][],
  options: GenerateOptions,
): Promise<GenerationResult[]> {
  validate(model, prompts, options);
  const batch = prompts.length;
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
  const results: GenerationResult[] = prompts.map(() => ({ tokens: [], finishReason: 'length' }));
  if (options.maxNewTokens === 0) return results;
  // Room for the longest prompt and every new token: the cache's buffers never grow.
  const cache = new KVCache(
    model.config.numHiddenLayers,
    Math.max(...prompts.map((p) => p.length)) + options.maxNewTokens,
  );
  let inputs: StepInputs | null = null;
  try {
    const width = Math.max(...prompts.map((p) => p.length));
    const pad = prompts.map((p) => width - p.length);
    // Prefill: [batch, width], left-padded; padding is segment 0, the prompt segment 1.
    inputs = {
      ids: tf.tensor2d(
        prompts.map((p, i) => [...new Array<number>(pad[i]).fill(0), ...p]),
        [batch, width],
        'int32',
      ),
      positions: tf.tensor2d(
        prompts.map((_, i) => range(width).map((j) => Math.max(0, j - pad[i]))),
        [batch, width],
        'int32',
      ),
      segments: pad.some((n) => n > 0)
        ? tf.tensor2d(
            prompts.map((_, i) => range(width).map((j) => (j < pad[i] ? 0 : 1))),
            [batch, width],
            'int32',
          )
        : null,
    };
    // Prompt index of each row of the running batch: finished sequences leave it (and the cache).
    let active = prompts.map((_, i) => i);
    // Every step's logits land in this one array (as many rows as the first step, which has the most).
    let logitsBuffer: Float32Array | undefined;
    for (;;) {
      const logits = model.forward(inputs.ids, {
        positionIds: inputs.positions,
        segmentIds: inputs.segments ?? undefined,
        cache,
        lastPositionOnly: true,
      }); // [active, 1, vocab]
      tf.dispose([inputs.ids, inputs.positions, inputs.segments ?? []]);
      let chosen: ArrayLike<number>; // [active]
      if (samplers) {
        const values = await readInto(logits, logitsBuffer);
        logitsBuffer ??= values;
        const vocab = values.length / active.length;
        chosen = active.map((promptIndex, row) =>
          samplers[promptIndex].next(values.subarray(row * vocab, (row + 1) * vocab)),
        );
      } else {
        const ids = tf.argMax(logits, -1); // [active, 1]
        chosen = await ids.data();
        ids.dispose();
      }
      logits.dispose();
      const keptRows: number[] = [];
      const nextTokens: number[] = [];
      active.forEach((promptIndex, row) => {
        const token = chosen[row];
        const result = results[promptIndex];
        result.tokens.push(token);
        options.onToken?.(promptIndex, token);
        const reason = stopping.check(result.tokens);
        if (reason) result.finishReason = reason;
        else {
          keptRows.push(row);
          nextTokens.push(token);
        }
      });
      if (keptRows.length === 0) return results;
      if (keptRows.length < active.length) cache.keepRows(keptRows);
      active = keptRows.map((row) => active[row]);
      inputs = {
        ids: tf.tensor2d(
          nextTokens.map((t) => [t]),
          [active.length, 1],
          'int32',
        ),
        // The token just chosen sits right after the prompt and the tokens before it.
        positions: tf.tensor2d(
          active.map((i) => [prompts[i].length + results[i].tokens.length - 1]),
          [active.length, 1],
          'int32',
        ),
        segments: null,
      };
    }
  } finally {
    // Disposing twice is a no-op, so this also covers an error between two steps.
    if (inputs) tf.dispose([inputs.ids, inputs.positions, inputs.segments ?? []]);
    cache.dispose();
  }
}

/** One forward's inputs: token ids, positions and (for the padded prefill) segment ids, all int32 [batch, s]. */
interface StepInputs {
  ids: tf.Tensor;
  positions: tf.Tensor;
  segments: tf.Tensor | null;
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
  if (options.stopStrings?.length && !options.tokenizer) {
    throw new MixdistillError('generate: stopStrings need a tokenizer to decode the generated text');
  }
  const longest = Math.max(...prompts.map((p) => p.length)) + options.maxNewTokens;
  if (longest > model.config.maxPositionEmbeddings) {
    throw new MixdistillError(
      `generate: prompt + maxNewTokens = ${longest} positions exceeds max_position_embeddings ${model.config.maxPositionEmbeddings}`,
    );
  }
}
