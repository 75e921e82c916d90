// A second checkpoint folder from a fixture: its weights after the golden 6-step SFT run
// (`after_sft.*` in golden.safetensors), with the fixture's config.json. Base vs tuned is what the
// rank-shift analysis compares.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { Checkpoint, writeCheckpoint } from '@mixdistill/core';

/** Writes the tuned fixture into `outDir` and returns it. */
export function writeTunedFixture(fixtureDir: string, outDir: string): string {
  const golden = Checkpoint.open(join(fixtureDir, 'golden.safetensors'));
  try {
    const tensors = golden
      .entries()
      .filter((e) => e.name.startsWith('after_sft.'))
      .map((e) => ({
        name: e.name.slice('after_sft.'.length),
        dtype: 'F32' as const,
        shape: e.shape,
        data: golden.readFloat32(e.name),
      }));
    writeCheckpoint(outDir, tensors);
  } finally {
    golden.close();
  }
  copyFileSync(join(fixtureDir, 'config.json'), join(outDir, 'config.json'));
  return outDir;
}
