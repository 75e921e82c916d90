import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Checkpoint, tf } from '@mixdistill/core';
import { loadModel, type CausalLM } from '@mixdistill/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateRankShifts } from './rank_shift';
import { rankResponses } from './rank_responses';
import { writeTunedFixture } from '../testing/tuned_fixture';
import type { LogitsModel, TokenizedResponse } from './token_ranks';

const FIXTURE = join(__dirname, '../../../../fixtures/tiny-qwen2');

/** Golden batch rows split at the first label that is not -100: prompt, then response. */
function goldenSamples(): TokenizedResponse[] {
  const golden = Checkpoint.open(join(FIXTURE, 'golden.safetensors'));
  const ids = Array.from(golden.readInt32('input_ids'));
  const labels = Array.from(golden.readInt32('labels'));
  golden.close();
  return [0, 1].map((b) => {
    const row = ids.slice(b * 16, b * 16 + 16);
    const firstLabel = labels.slice(b * 16, b * 16 + 16).findIndex((l) => l !== -100);
    return { promptIds: row.slice(0, firstLabel), responseIds: row.slice(firstLabel) };
  });
}

/** Direct rank: forward the prefix alone, take its last logits row, count strictly larger entries. */
function directRank(model: LogitsModel, prefix: number[], token: number): number {
  const row = tf.tidy(() => {
    const logits = model.forward(tf.tensor2d(prefix, [1, prefix.length], 'int32'));
    return logits.slice([0, prefix.length - 1, 0], [1, 1, -1]).dataSync();
  });
  let larger = 0;
  for (const v of row) if (v > row[token]) larger++;
  return larger + 1;
}

describe('rank shift on fixture checkpoints', () => {
  let base: CausalLM;
  let tuned: CausalLM;
  beforeAll(() => {
    base = loadModel(FIXTURE).model;
    tuned = loadModel(writeTunedFixture(FIXTURE, mkdtempSync(join(tmpdir(), 'tuned-qwen2-')))).model;
  });
  afterAll(() => {
    base.dispose();
    tuned.dispose();
  });

  it('ranks match a direct prefix-by-prefix computation in both models', () => {
    const samples = goldenSamples();
    const ranked = rankResponses(base, tuned, samples, (id) => `#${id}`);
    let k = 0;
    for (const { promptIds, responseIds } of samples) {
      responseIds.forEach((token, i) => {
        const prefix = [...promptIds, ...responseIds.slice(0, i)];
        expect(ranked[k].id).toBe(token);
        expect(ranked[k].baseRank).toBe(directRank(base, prefix, token));
        expect(ranked[k].tunedRank).toBe(directRank(tuned, prefix, token));
        k++;
      });
    }
    expect(k).toBe(ranked.length);
    // Six SFT steps on exactly these responses pull their tokens up: the tuned ranks are lower overall.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(ranked.map((r) => r.tunedRank))).toBeLessThan(mean(ranked.map((r) => r.baseRank)));
    const report = aggregateRankShifts(ranked, { top: 5, minCount: 1, minShift: 1 });
    expect(report.tokens.length).toBe(5);
    expect(report.tokens[0].meanShift).toBeGreaterThan(0);
  });
});
