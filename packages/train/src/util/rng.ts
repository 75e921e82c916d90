// The seeded PRNG lives in core (one for every package); this path stays only because
// trainer/train.ts, owned by the `step` branch, imports it from here. Drop it once that import moves.
export { deriveSeed, Rng } from '@mixdistill/core';
