import { fallbackCounts } from '@mixdistill/core';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';

interface Args {
  backend?: string;
  json?: boolean;
}

export const backendCommand: CommandModule<object, Args> = {
  command: 'backend',
  describe: 'Show which tensor backend would be used, and why others were skipped',
  builder: (y) =>
    withBackendOption(y)
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
      .example('$0 backend', 'show the default backend')
      .example('MIXDISTILL_BACKEND=cpu $0 backend --json', 'force the tfjs cpu backend'),
  handler: async (argv) => {
    const info = await setupBackend(argv.backend);
    // Kernels run on the cuda backend's counted cpu fallback so far (null: the backend has none).
    const fallbacks = fallbackCounts();
    if (argv.json) process.stdout.write(`${JSON.stringify({ ...info, fallbacks })}\n`);
    else {
      process.stdout.write(`${info.name}\t${info.version}\t${info.threads} threads\n`);
      process.stdout.write(`  fallbacks: ${formatFallbacks(fallbacks)}\n`);
      for (const s of info.skipped) process.stdout.write(`  skipped: ${s}\n`);
    }
  },
};

/** `0`, `3 (ArgMax 2, TopK 1)`, or `not applicable` for a backend without a fallback. */
export function formatFallbacks(counts: Record<string, number> | null): string {
  if (counts === null) return 'not applicable';
  const entries = Object.entries(counts);
  const total = entries.reduce((a, [, n]) => a + n, 0);
  return entries.length === 0 ? '0' : `${total} (${entries.map(([k, n]) => `${k} ${n}`).join(', ')})`;
}
