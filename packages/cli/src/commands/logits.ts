// `mixdistill logits`: the model's float32 logits at every position of given token sequences, as
// JSON, to check parity with another implementation (e.g. transformers) from outside.
import fs from 'node:fs';
import { MixdistillError } from '@mixdistill/core';
import { loadModel, sequenceLogits } from '@mixdistill/models';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';

interface Args {
  model: string;
  ids: string[];
  out: string;
  backend?: string;
}

/** "3,17,42" -> [3, 17, 42], each a token id below `vocab`. */
export function parseIds(text: string, vocab: number): number[] {
  const ids = text.split(',').map((s) => s.trim());
  if (ids.some((s) => !/^\d+$/.test(s) || Number(s) >= vocab)) {
    throw new MixdistillError(
      `--ids ${JSON.stringify(text)}: expected comma-separated token ids below the vocabulary size ${vocab}`,
    );
  }
  return ids.map(Number);
}

export const logitsCommand: CommandModule<object, Args> = {
  command: 'logits',
  describe: 'Write the logits of token sequences (all positions, float32) to a JSON file',
  builder: (y) =>
    withBackendOption(y)
      .option('model', { type: 'string', demandOption: true, describe: 'model folder: config.json and safetensors' })
      .option('ids', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'a sequence of token ids, comma-separated; repeat for more sequences',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'output file: {"logits": [sequence][position][vocab]}',
      })
      .example('$0 logits --model ./tiny-qwen2 --ids 3,17,42 --ids 5,6 --out logits.json', 'two sequences'),
  handler: async (argv) => {
    await setupBackend(argv.backend);
    const { model, config } = loadModel(argv.model);
    const sequences = argv.ids.map((text) => parseIds(text, config.vocabSize));
    const logits = sequenceLogits(model, sequences);
    fs.writeFileSync(argv.out, `${JSON.stringify({ logits })}\n`);
    process.stderr.write(`wrote ${argv.out}: ${sequences.length} sequence(s), vocabulary ${config.vocabSize}\n`);
    model.dispose();
  },
};
