// The rank-shift analysis end to end (what `mixdistill analyze rank-shift` runs): load the base and
// fine-tuned models, take the fine-tuned model's responses (read from a JSONL file, or generated
// greedily for a problems file), rank every response token in both models by teacher forcing, and
// aggregate the most shifted tokens (the paper's Figure 8).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { generate, loadModel, loadTokenizer, type CausalLM, type Tokenizer } from '@mixdistill/models';
import { renderPrompt, resolvePrompt } from '../prompts/presets';
import { rankResponses, readResponses, type ResponseTokenizer } from './rank_responses';
import { aggregateRankShifts, rankShiftMarkdown, rankShiftSvg, type RankShiftReport } from './rank_shift';
import type { TokenizedResponse } from './token_ranks';

/** Where the responses come from: one of `responses` or `prompts`. */
export interface RankShiftAnalysisOptions {
  /** base (pre-fine-tuning) model folder */
  base: string;
  /** fine-tuned model folder (its tokenizer is used unless `tokenizer`) */
  tuned: string;
  /** JSONL of fine-tuned responses: prompt/response text or prompt_ids/response_ids */
  responses?: string;
  /** JSONL of problems the fine-tuned model answers greedily first */
  prompts?: string;
  /** tokenizer folder (default: `tuned`) */
  tokenizer?: string;
  /** responses: wrap prompt text as a user turn with the chat template (off: already templated) */
  chatTemplate: boolean;
  /** responses: prompt and response text fields */
  fields: { prompt: string; response: string };
  /** prompts: problem text field */
  problemField: string;
  /** prompts: eval prompt preset or template file */
  prompt: string;
  /** prompts: most tokens generated per response */
  maxNewTokens: number;
  /** prompts: prompts decoded together */
  batchSize: number;
  /** prompts: first N problems only */
  limit?: number;
  /** tokens reported (largest mean rank shift first) */
  top: number;
  /** tokens seen fewer times are not reported */
  minCount: number;
  /** an occurrence is "shifted" when base rank − tuned rank ≥ this */
  minShift: number;
  /** folder for rank_shift.md, rank_shift.svg, tokens.jsonl (and responses.jsonl with `prompts`) */
  out?: string;
}

/** The tokenizer as the analysis uses it; `chat` wraps prompt text as one user turn. */
function responseTokenizer(tokenizer: Tokenizer, chat: boolean): ResponseTokenizer {
  return {
    encodePrompt: (prompt) =>
      chat
        ? tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], {
            addGenerationPrompt: true,
            tokenize: true,
          })
        : // Eval records hold the prompt already templated, special tokens written out as text.
          tokenizer.encode(prompt, { addSpecialTokens: false }),
    // Re-encoding generated text may split it differently from the ids the model sampled; give
    // prompt_ids/response_ids to analyse the exact sampled tokens.
    encodeResponse: (response) => tokenizer.encode(response, { addSpecialTokens: false }),
    decodeToken: (id) => tokenizer.decode([id]),
  };
}

function tryLoadTokenizer(dir: string, explicit: boolean): Tokenizer | null {
  if (!explicit && !existsSync(join(dir, 'tokenizer.json'))) return null;
  return loadTokenizer(dir);
}

/** Greedy responses of the fine-tuned model to the problems of a JSONL file, rendered with an eval prompt preset. */
async function generateResponses(
  tuned: CausalLM,
  tokenizer: Tokenizer,
  options: RankShiftAnalysisOptions,
): Promise<TokenizedResponse[]> {
  const file = options.prompts!;
  if (!existsSync(file)) throw new MixdistillError(`${file}: prompts file not found`);
  const preset = resolvePrompt(options.prompt);
  const prompts = readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim())
    .slice(0, options.limit)
    .map(({ line, i }) => {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new MixdistillError(`${file}:${i + 1}: not valid JSON`);
      }
      const problem = row[options.problemField];
      if (typeof problem !== 'string')
        throw new MixdistillError(`${file}:${i + 1}: field "${options.problemField}" (the problem text) missing`);
      return tokenizer.applyChatTemplate(renderPrompt(preset, problem), { addGenerationPrompt: true, tokenize: true });
    });
  // One continuously refilled batch of batchSize rows (generate's batchSize).
  let done = 0;
  const results = await generate(tuned, prompts, {
    maxNewTokens: options.maxNewTokens,
    stopTokenIds: tokenizer.eosTokenIds,
    batchSize: options.batchSize,
    onFinish: () => {
      done++;
      if (done % options.batchSize === 0 || done === prompts.length)
        process.stderr.write(`analyze: generated ${done}/${prompts.length} responses\n`);
    },
  });
  return results.map((r, i) => ({ promptIds: prompts[i], responseIds: r.tokens }));
}

/** Runs the analysis (the tensor backend must be selected first); writes its files under `out`. */
export async function analyzeRankShift(
  options: RankShiftAnalysisOptions,
): Promise<{ report: RankShiftReport; markdown: string }> {
  if (Boolean(options.responses) === Boolean(options.prompts))
    throw new MixdistillError('give exactly one of --responses FILE or --prompts FILE');
  const tokenizer = tryLoadTokenizer(options.tokenizer ?? options.tuned, options.tokenizer !== undefined);
  const base = loadModel(options.base).model;
  const tuned = loadModel(options.tuned).model;
  try {
    if (base.config.vocabSize !== tuned.config.vocabSize) {
      throw new MixdistillError(
        `--base and --tuned have different vocabularies (${base.config.vocabSize} vs ${tuned.config.vocabSize} tokens)`,
      );
    }
    let samples: TokenizedResponse[];
    if (options.prompts) {
      if (!tokenizer)
        throw new MixdistillError(
          `--prompts needs a tokenizer (tokenizer.json in ${options.tuned}, or --tokenizer DIR)`,
        );
      samples = await generateResponses(tuned, tokenizer, options);
    } else {
      samples = readResponses(
        options.responses!,
        options.fields,
        tokenizer ? responseTokenizer(tokenizer, options.chatTemplate) : null,
      );
    }
    const decode = tokenizer ? (id: number) => tokenizer.decode([id]) : (id: number) => `#${id}`;
    const ranked = rankResponses(base, tuned, samples, decode, (done, total) => {
      if (done === total || done % 10 === 0) process.stderr.write(`analyze: ranked ${done}/${total} responses\n`);
    });
    const report = aggregateRankShifts(ranked, {
      top: options.top,
      minCount: options.minCount,
      minShift: options.minShift,
    });
    const markdown = rankShiftMarkdown(report);
    if (options.out) {
      mkdirSync(options.out, { recursive: true });
      writeFileSync(join(options.out, 'rank_shift.md'), markdown);
      writeFileSync(join(options.out, 'rank_shift.svg'), rankShiftSvg(report));
      writeFileSync(join(options.out, 'tokens.jsonl'), ranked.map((r) => `${JSON.stringify(r)}\n`).join(''));
      if (options.prompts) {
        const lines = samples.map((s) => JSON.stringify({ prompt_ids: s.promptIds, response_ids: s.responseIds }));
        writeFileSync(join(options.out, 'responses.jsonl'), lines.map((l) => `${l}\n`).join(''));
      }
      process.stderr.write(`wrote rank_shift.md, rank_shift.svg, tokens.jsonl to ${options.out}\n`);
    }
    return { report, markdown };
  } finally {
    base.dispose();
    tuned.dispose();
  }
}
