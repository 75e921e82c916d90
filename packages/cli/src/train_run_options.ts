// `train`'s options about the run folder and what is saved (kept apart from the hand-written table in
// commands/train.ts, which is being derived from one options table).
import type { TorchDtype } from '@mixdistill/models';
import { resumeCommandLine } from '@mixdistill/train';
import type { Argv } from 'yargs';

export interface RunFolderArgs {
  overwrite: boolean;
  tokenizer?: string;
  'save-dtype'?: string;
}

export const SAVE_DTYPES: Record<string, TorchDtype> = { f32: 'float32', bf16: 'bfloat16', f16: 'float16' };

/** Adds --overwrite, --tokenizer and --save-dtype. */
export function withRunFolderOptions<T>(y: Argv<T>) {
  return y
    .option('overwrite', {
      type: 'boolean',
      default: false,
      describe: 'replace what --out holds (another run, a finished run); without it such an --out is refused',
    })
    .option('tokenizer', {
      type: 'string',
      describe: 'folder with tokenizer.json when --model has none (read only for text data)',
    })
    .option('save-dtype', {
      choices: Object.keys(SAVE_DTYPES),
      describe: "dtype of OUT/final (default: the model's own torch_dtype; checkpoints stay f32)",
    });
}

/** The TrainConfig fields these options set. */
export function runFolderConfig(a: RunFolderArgs): { overwrite: boolean; tokenizer?: string; saveDtype?: TorchDtype } {
  return {
    overwrite: a.overwrite,
    ...(a.tokenizer !== undefined ? { tokenizer: a.tokenizer } : {}),
    ...(a['save-dtype'] !== undefined ? { saveDtype: SAVE_DTYPES[a['save-dtype']] } : {}),
  };
}

/** How the user can run this command again: through the root script (`pnpm mixdistill`) or the bin. */
export function commandPrefix(): string {
  return process.env.npm_lifecycle_event === 'mixdistill' ? 'npx -y pnpm@9.15.9 -s mixdistill' : 'mixdistill';
}

/** The command that continues an interrupted `train` with the same arguments. */
export function trainResumeCommand(): string {
  return resumeCommandLine(commandPrefix(), process.argv.slice(2));
}
