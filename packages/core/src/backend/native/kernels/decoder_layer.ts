// MdDecoderLayerBf16 on the native backend: one decoding step of a pre-norm decoder layer with bf16
// weights in one addon call (native/src/decoder_layer.cc). Contract: ops/decoder_layer_bf16.ts.
import type { tf } from '../../../tf';
import { DECODER_LAYER_LINEARS } from '../../../ops/decoder_layer_bf16';
import { FUSED_KERNELS } from '../../../ops/fused';
import { need } from '../../kernel_checks';
import { type KernelArgs, type NativeKernel, writable } from './kernel_util';

// -> [hidden' [b, 1, h], keyCache', valueCache'] (the caches written in place when unshared).
function decoderLayerBf16({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { hidden, keyCache, valueCache, segmentIds } = inputs;
  const [batch, s, h] = hidden.shape;
  const [, kvHeads, capacity, headDim] = keyCache.shape;
  const heads = inputs.q.shape[0] / headDim;
  const intermediate = inputs.gate.shape[0];
  const expected: Record<(typeof DECODER_LAYER_LINEARS)[number], [number, number]> = {
    q: [heads * headDim, h],
    k: [kvHeads * headDim, h],
    v: [kvHeads * headDim, h],
    o: [h, heads * headDim],
    gate: [intermediate, h],
    up: [intermediate, h],
    down: [h, intermediate],
  };
  need(
    hidden.dtype === 'float32' && s === 1 && keyCache.shape.length === 4 && keyCache.shape[0] === batch,
    `MdDecoderLayerBf16: hidden float32 [b, 1, h] and caches [b, kvHeads, capacity, d], got [${hidden.shape}], [${keyCache.shape}]`,
  );
  need(
    valueCache.shape.every((n, i) => n === keyCache.shape[i]) &&
      keyCache.dtype === 'float32' &&
      valueCache.dtype === 'float32',
    `MdDecoderLayerBf16: keyCache [${keyCache.shape}] and valueCache [${valueCache.shape}] must be float32 of one shape`,
  );
  for (const name of DECODER_LAYER_LINEARS) {
    const [out, inDim] = expected[name];
    const w = inputs[name];
    need(
      w.dtype === 'int32' && w.shape.length === 2 && w.shape[0] === out && w.shape[1] * 2 === inDim,
      `MdDecoderLayerBf16: ${name} must be bf16 [${out}, ${inDim}] (int32 [${out}, ${inDim / 2}]), got ${w.dtype} [${w.shape}]`,
    );
    const bias = inputs[`${name}Bias`];
    need(
      !bias || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === out),
      `MdDecoderLayerBf16: ${name}Bias must be [${out}]`,
    );
  }
  need(
    !segmentIds || (segmentIds.dtype === 'int32' && segmentIds.shape[0] === batch && segmentIds.shape[1] === capacity),
    `MdDecoderLayerBf16: segmentIds must be int32 [${batch}, ${capacity}], got [${segmentIds?.shape}]`,
  );
  const key = writable(backend, keyCache, 'float32');
  const value = writable(backend, valueCache, 'float32');
  const y = backend.output(hidden.shape);
  const bias = (name: string) => (inputs[`${name}Bias`] ? backend.f32(inputs[`${name}Bias`]) : null);
  backend.addon.decoderLayerBf16({
    batch,
    hidden: h,
    heads,
    kvHeads,
    headDim,
    intermediate,
    eps: attrs?.eps as number,
    scale: attrs?.scale as number,
    past: attrs?.past as number,
    capacity,
    x: backend.f32(hidden),
    y: y.values,
    inputNorm: backend.f32(inputs.inputNorm),
    postAttentionNorm: backend.f32(inputs.postAttentionNorm),
    q: backend.i32(inputs.q),
    k: backend.i32(inputs.k),
    v: backend.i32(inputs.v),
    o: backend.i32(inputs.o),
    gate: backend.i32(inputs.gate),
    up: backend.i32(inputs.up),
    down: backend.i32(inputs.down),
    qBias: bias('q'),
    kBias: bias('k'),
    vBias: bias('v'),
    oBias: bias('o'),
    gateBias: bias('gate'),
    upBias: bias('up'),
    downBias: bias('down'),
    cos: backend.f32(inputs.cos),
    sin: backend.f32(inputs.sin),
    keyCache: key.values,
    valueCache: value.values,
    segmentIds: segmentIds ? backend.i32(segmentIds) : null,
  });
  return [y.info, key.info, value.info];
}

export const DECODER_LAYER_NATIVE_KERNELS: NativeKernel[] = [
  { name: FUSED_KERNELS.decoderLayerBf16, run: decoderLayerBf16 },
];
