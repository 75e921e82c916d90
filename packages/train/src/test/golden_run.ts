// The golden SFT run as a TrainConfig (fixtures/README.md): the two golden sequences as a
// pre-tokenized JSONL file and golden.json's optimizer settings.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Checkpoint } from '@mixdistill/core';
import type { TrainConfig } from '../trainer/config';
import { TRAIN_DEFAULTS } from '../trainer/train_options';
import type { StepMetrics } from '../trainer/metrics';
import { tempDir } from './helpers';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures');
export const silent = { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream;

/** The golden batch of the fixture folder `fixtureDir` as a pre-tokenized JSONL file (one line per sequence). */
export function goldenJsonl(fixtureDir: string, dir: string): string {
  const golden = Checkpoint.open(path.join(fixtureDir, 'golden.safetensors'));
  const [rows, seq] = golden.entries().find((e) => e.name === 'input_ids')!.shape;
  const ids = golden.readInt32('input_ids');
  const labels = golden.readInt32('labels');
  golden.close();
  const lines = Array.from({ length: rows }, (_, r) =>
    JSON.stringify({
      input_ids: Array.from(ids.subarray(r * seq, (r + 1) * seq)),
      labels: Array.from(labels.subarray(r * seq, (r + 1) * seq)),
    }),
  );
  const file = path.join(dir, 'golden.jsonl');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** `fixtures` is the folder of fixture folders: the repository's (default), or a bundle's (the GPU check). */
export function goldenConfig(
  fixture: string,
  overrides: Partial<TrainConfig> = {},
  fixtures: string = FIXTURES,
): TrainConfig {
  const dir = tempDir();
  return {
    ...TRAIN_DEFAULTS,
    model: path.join(fixtures, fixture),
    data: [{ file: goldenJsonl(path.join(fixtures, fixture), dir), weight: null }],
    out: path.join(dir, 'out'),
    batchSize: 2,
    shuffle: false,
    lr: 1e-2,
    weightDecay: 0.1,
    warmupSteps: 2,
    maxSteps: 6,
    maxGradNorm: 1,
    lrScheduler: 'cosine',
    // The golden weights are float32; final/ would otherwise keep the fixture's own bf16/f16.
    saveDtype: 'float32',
    ...overrides,
  };
}

export function readMetrics(out: string): StepMetrics[] {
  return fs
    .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}
