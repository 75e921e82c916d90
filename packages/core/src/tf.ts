// The tensor and autodiff API used everywhere in mixdistill.
//
// Node resolves `@tensorflow/tfjs-core` to its CommonJS bundle, which registers no gradients.
// The `@tensorflow/tfjs` union bundle registers all of tfjs-core's gradients into the same
// global registry (tfjs keeps its engine and registries on the global object), so importing it
// once for its side effect makes `tf.grad`/`tf.variableGrads` work for every op.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs';

export { tf };
export type { Tensor, Variable, Rank, DataType, TensorInfo, NamedTensorMap } from '@tensorflow/tfjs-core';
