// Every supported family, one line each. Adding a family: write architectures/<family>.ts and list it here.
import type { Architecture } from './architecture';
import { LLAMA } from './llama';
import { QWEN2 } from './qwen2';

export const ARCHITECTURES: readonly Architecture[] = [QWEN2, LLAMA];

/** The family whose model_type is `modelType`, or undefined. */
export function findArchitecture(modelType: string): Architecture | undefined {
  return ARCHITECTURES.find((a) => a.modelType === modelType);
}
