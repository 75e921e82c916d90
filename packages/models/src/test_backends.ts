// For tests: the backends selectBackend can activate on this machine, as tfjs names them.
import { BACKEND_NAMES, selectBackend, tf } from '@mixdistill/core';

export async function activatableBackends(): Promise<string[]> {
  const names: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      await selectBackend(name);
      names.push(tf.getBackend());
    } catch {
      // Not available on this machine (no addon, no libtensorflow): nothing to test on it.
    }
  }
  return names;
}
