// Reads the responses to analyse and ranks every response token in both models.
import { existsSync, readFileSync } from 'node:fs';
import { MixdistillError } from '@mixdistill/core';
import { parseJsonl } from '@mixdistill/eval';
import type { RankedToken } from './rank_shift';
import { responseTokenRanks, type LogitsModel, type TokenizedResponse } from './token_ranks';

/** Text → ids, as the fine-tuned model saw its prompt and wrote its response. */
export interface ResponseTokenizer {
  /** Prompt ids (chat template applied when the responses came from a chat model). */
  encodePrompt(prompt: string): number[];
  /** Response ids, without special tokens added. */
  encodeResponse(response: string): number[];
  /** Text of one token id, for the report. */
  decodeToken(id: number): string;
}

/** Field names of a responses JSONL line. */
export interface ResponseFields {
  /** Prompt text field (default "prompt"). */
  prompt: string;
  /** Response text field (default "response"). */
  response: string;
}

/**
 * Reads a responses JSONL: each line either `{"prompt_ids": [...], "response_ids": [...]}` or text
 * fields (`prompt`, `response` by default) that `tokenizer` encodes.
 */
export function readResponses(
  file: string,
  fields: ResponseFields,
  tokenizer: ResponseTokenizer | null,
): TokenizedResponse[] {
  if (!existsSync(file)) throw new MixdistillError(`${file}: responses file not found`);
  const out: TokenizedResponse[] = [];
  for (const { line, value: row } of parseJsonl(readFileSync(file, 'utf8'), file)) {
    const where = `${file}:${line}`;
    if (isIdList(row.prompt_ids) && isIdList(row.response_ids)) {
      out.push({ promptIds: row.prompt_ids, responseIds: row.response_ids });
      continue;
    }
    const prompt = row[fields.prompt];
    const response = row[fields.response];
    if (typeof prompt !== 'string' || typeof response !== 'string') {
      throw new MixdistillError(
        `${where}: expected "prompt_ids"/"response_ids" or text fields "${fields.prompt}"/"${fields.response}"`,
      );
    }
    if (!tokenizer)
      throw new MixdistillError(
        `${where}: text responses need a tokenizer (tokenizer files next to --tuned, or --tokenizer DIR)`,
      );
    out.push({ promptIds: tokenizer.encodePrompt(prompt), responseIds: tokenizer.encodeResponse(response) });
  }
  if (out.length === 0) throw new MixdistillError(`${file}: no responses`);
  return out;
}

function isIdList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0);
}

/** Ranks every response token in the base and the fine-tuned model (teacher forcing, one pass each). */
export function rankResponses(
  base: LogitsModel,
  tuned: LogitsModel,
  samples: readonly TokenizedResponse[],
  decodeToken: (id: number) => string,
  onSample?: (done: number, total: number) => void,
): RankedToken[] {
  const out: RankedToken[] = [];
  samples.forEach((sample, s) => {
    const baseRanks = responseTokenRanks(base, sample);
    const tunedRanks = responseTokenRanks(tuned, sample);
    sample.responseIds.forEach((id, i) =>
      out.push({ id, text: decodeToken(id), baseRank: baseRanks[i], tunedRank: tunedRanks[i] }),
    );
    onSample?.(s + 1, samples.length);
  });
  return out;
}
