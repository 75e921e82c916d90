import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { swiglu } from './swiglu';
import { activatableBackends, finiteDifferenceErrors, seededTensor } from './op_test_helpers';

const backends = await activatableBackends();

describe.each(backends)('swiglu on %s', (backend) => {
  it('matches the direct computation', async () => {
    await tf.setBackend(backend);
    const gate = seededTensor([3, 7], 1, 6);
    const up = seededTensor([3, 7], 2, 2);
    const out = swiglu(gate, up);
    const g = gate.dataSync();
    const u = up.dataSync();
    const got = out.dataSync();
    for (let i = 0; i < g.length; i++) expect(got[i]).toBeCloseTo((g[i] / (1 + Math.exp(-g[i]))) * u[i], 5);
    tf.dispose([gate, up, out]);
  });

  it('has gradients that match finite differences', async () => {
    await tf.setBackend(backend);
    const gate = seededTensor([2, 6], 3, 3);
    const up = seededTensor([2, 6], 4);
    const errors = finiteDifferenceErrors(swiglu, [gate, up], [0, 1]);
    for (const e of errors) expect(e).toBeLessThan(2e-3);
    tf.dispose([gate, up]);
  });
});
