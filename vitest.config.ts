import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts'],
    // Numerical tests load the native addon and tfjs; separate processes keep backends isolated.
    pool: 'forks',
    // Two cores on the reference machine: more workers only add contention.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
