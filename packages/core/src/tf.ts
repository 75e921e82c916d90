// The tensor and autodiff API used everywhere in mixdistill.
//
// Node resolves `@tensorflow/tfjs-core` to its CommonJS bundle, which registers no gradients.
// The `@tensorflow/tfjs` union bundle registers all of tfjs-core's gradients into the same
// global registry (tfjs keeps its engine and registries on the global object), so importing it
// once for its side effect makes `tf.grad`/`tf.variableGrads` work for every op.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';

// The cpu backend greets its first write in Node with a banner recommending tfjs-node; backend
// choice is reported by our own start-up line, so the banner is only noise on stderr. The engine
// creates a fresh instance on every initialisation, so the factory itself is wrapped.
const cpuFactory = tf.findBackendFactory('cpu');
if (cpuFactory) {
  tf.removeBackend('cpu');
  tf.registerBackend(
    'cpu',
    () => {
      const backend = cpuFactory() as tf.KernelBackend & { firstUse?: boolean };
      backend.firstUse = false;
      return backend;
    },
    1, // tfjs-backend-cpu's own priority
  );
}

export { tf };
export type { Tensor, Variable, Rank, DataType, TensorInfo, NamedTensorMap } from '@tensorflow/tfjs-core';
