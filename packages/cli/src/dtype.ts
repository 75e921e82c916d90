// `--dtype` for the commands that run a local model without training it (generate, eval, bench decode).
import type { WeightDtype } from '@mixdistill/models';
import type { Argv } from 'yargs';

export const WEIGHT_DTYPES: readonly WeightDtype[] = ['bf16', 'f32'];

/** Adds `--dtype bf16|f32` (default: the checkpoint's own dtype). */
export function withDtypeOption<T>(y: Argv<T>) {
  return y.option('dtype', {
    type: 'string',
    choices: [...WEIGHT_DTYPES],
    describe:
      "how the linear and embedding weights are held (default: the checkpoint's, bf16 when its safetensors are BF16); norm weights and biases stay float32",
  });
}
