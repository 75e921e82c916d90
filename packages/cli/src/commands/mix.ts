// `mixdistill mix`: Mix Distillation's data mixing (arXiv 2502.12143), deterministic for a seed.
import { MixdistillError } from '@mixdistill/core';
import { mixFiles, parseSourceSpec } from '@mixdistill/train';
import type { CommandModule } from 'yargs';

interface Args {
  source: string[];
  out: string;
  size?: number;
  by?: string;
  seed: number;
  'skip-bad-lines': boolean;
  json: boolean;
}

export const mixCommand: CommandModule<object, Args> = {
  command: 'mix',
  describe:
    'Mix SFT sets by weight (e.g. 20% long CoT + 80% short CoT), deterministically; writes OUT and its sidecar (mix.jsonl -> mix.meta.json)',
  builder: (y) =>
    y
      .option('source', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'FILE:weight, repeated; weights are normalised to sum 1',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe:
          'mixed JSONL to write; its counts and seed go to a sidecar named after it (.jsonl replaced by .meta.json)',
      })
      .option('size', {
        type: 'number',
        describe:
          'records in the mix (default: as many as possible without repeating a record; with --by: every shared key)',
      })
      .option('by', {
        type: 'string',
        describe: 'pair the sources on this field: each distinct value contributes one response from one source',
      })
      .option('seed', { type: 'number', default: 42, describe: 'seed of the draws' })
      .option('skip-bad-lines', {
        type: 'boolean',
        default: false,
        describe: 'skip lines that are not JSON objects instead of stopping',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the metadata as one JSON document' })
      .example(
        '$0 mix --source long.jsonl:0.2 --source short.jsonl:0.8 --by problem --seed 42 --out mix-long.jsonl',
        "the paper's Mix-Long",
      )
      .example(
        '$0 mix --source a.jsonl:1 --source b.jsonl:1 --size 1000 --out ab.jsonl',
        'half and half, 1000 records',
      ),
  handler: (argv) => {
    if (!Number.isInteger(argv.seed)) throw new MixdistillError(`--seed: expected an integer, got ${argv.seed}`);
    const sources = argv.source.map((spec) => {
      const { file, weight } = parseSourceSpec(spec, '--source');
      if (weight === null) throw new MixdistillError(`--source ${spec}: give a weight as FILE:weight`);
      return { file, weight };
    });
    const { meta, badLines } = mixFiles(sources, {
      out: argv.out,
      seed: argv.seed,
      size: argv.size,
      by: argv.by,
      skipBadLines: argv['skip-bad-lines'],
    });
    for (const w of meta.warnings) process.stderr.write(`mixdistill: warning: ${w}\n`);
    if (badLines > 0) process.stderr.write(`mixdistill: skipped ${badLines} bad lines\n`);
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(meta)}\n`);
      return;
    }
    for (const s of meta.sources) {
      process.stdout.write(`${s.file}\tweight ${s.normalized_weight.toFixed(4)}\tdrew ${s.drawn} of ${s.available}\n`);
    }
    process.stdout.write(
      `${meta.size} records (seed ${meta.seed}${meta.by ? `, paired on "${meta.by}"` : ''}) -> ${meta.out}\n`,
    );
  },
};
