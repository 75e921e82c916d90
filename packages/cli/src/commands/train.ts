// `mixdistill train`: supervised fine-tuning (full or LoRA) on one SFT set or a weighted mix, with the
// paper's recipe as defaults (lr 1e-5, cosine, 2 epochs, AdamW, weight decay 0, no warm-up, clip 1.0).
import { train, trainConfigFromFlags } from '@mixdistill/train';
import type { Argv, CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { withTrainOptions } from '../flags';
import { trainResumeCommand } from '../resume_command';

/** Flag values by flag name (TRAIN_OPTIONS) plus this command's own. */
type Args = Record<string, unknown> & { backend?: string; precision?: string; json: boolean };

export const trainCommand: CommandModule<object, Args> = {
  command: 'train',
  describe:
    'Fine-tune a model on SFT data or a weighted mix (full or LoRA); writes OUT/final, OUT/checkpoint-<step>, OUT/metrics.jsonl',
  builder: (y) =>
    withTrainOptions(withBackendOption(y) as Argv<Args>)
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary on stdout' })
      .example(
        '$0 train --model ./Qwen2.5-0.5B-Instruct --data mix-long.jsonl --prompt-field problem --response-field solution --out runs/mix-long',
        "the paper's recipe",
      )
      .example(
        '$0 train --model ./m --data long.jsonl:0.2 --data short.jsonl:0.8 --mix-by problem --out runs/mix --lora-rank 8',
        'mix on the fly, LoRA',
      )
      .example(
        '$0 train --model ./m --data d.jsonl --out runs/a --save-steps 100 --resume',
        'resume from the latest checkpoint',
      ),
  handler: async (argv) => {
    const cfg = trainConfigFromFlags(argv);
    await setupBackend(argv.backend);
    const result = await train(cfg, { resumeCommand: trainResumeCommand() });
    const last = result.metrics.at(-1);
    const summary = {
      out: cfg.out,
      final: result.finalDir,
      merged: result.mergedDir,
      total_steps: result.totalSteps,
      steps_run: result.stepsRun,
      final_loss: last?.loss ?? null,
      examples: result.data.examples,
      bad_lines_skipped: result.data.badLines.length,
      dropped_by_cutoff: result.data.dropped,
      truncated_by_cutoff: result.data.truncated,
    };
    if (argv.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      process.stdout.write(
        `trained ${summary.steps_run} steps (${summary.total_steps} in the run), final loss ${summary.final_loss?.toFixed(4) ?? '-'}; model in ${summary.final}\n`,
      );
  },
};
