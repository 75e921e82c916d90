// MdDecoderLayers on the native backend: one decoding step through consecutive pre-norm decoder
// layers with bf16 or float32 weights in one addon call (native/src/decoder_layer.cc). Contract:
// ops/decoder_layers.ts.
import type { tf } from '../../../tf';
import { type DECODER_LAYER_LINEARS, decoderLayerInputNames } from '../../../ops/decoder_layers';
import { FUSED_KERNELS } from '../../../ops/fused';
import type { DecoderLayerArrays } from '../addon';
import type { NativeBackend } from '../native_backend';
import { type KernelArgs, type NativeKernel, writable } from './kernel_util';

/** A one-line error naming the kernel; the messages are built only when a check fails. */
function fail(message: string): never {
  throw new Error(`MdDecoderLayers: ${message}`);
}

type LinearName = (typeof DECODER_LAYER_LINEARS)[number];

/** The shapes every layer must have, read once off the hidden state and layer 0. */
interface LayerShapes {
  h: number; // the norms' length
  cache: number[]; // [b, kvHeads, capacity, d]
  linears: Record<LinearName, [number, number]>; // [out, in] of each weight
}

/** Layer i's arrays but its caches (taken once every layer is checked), its shapes checked against `z`. */
function layerArrays(
  backend: NativeBackend,
  inputs: Record<string, tf.TensorInfo>,
  i: number,
  z: LayerShapes,
): Omit<DecoderLayerArrays, 'keyCache' | 'valueCache'> {
  const names = decoderLayerInputNames(i);
  const input = (name: string, key: string) => inputs[key] ?? fail(`layer ${i} has no ${name}`);
  for (const cache of [input('keyCache', names.keyCache), input('valueCache', names.valueCache)])
    if (cache.dtype !== 'float32' || cache.shape.length !== 4 || cache.shape.some((n, j) => n !== z.cache[j]))
      fail(`layer ${i}'s caches must be float32 [${z.cache}], got ${cache.dtype} [${cache.shape}]`);
  const weight = (name: LinearName) => {
    const [out, inDim] = z.linears[name];
    const w = input(name, names.weight[name]);
    const f32 = w.dtype === 'float32';
    if (
      !(f32 || w.dtype === 'int32') ||
      w.shape.length !== 2 ||
      w.shape[0] !== out ||
      w.shape[1] * (f32 ? 1 : 2) !== inDim
    )
      fail(
        `layer ${i}'s ${name} must be float32 [${out}, ${inDim}] or bf16 (int32 [${out}, ${inDim / 2}]), got ${w.dtype} [${w.shape}]`,
      );
    return f32 ? backend.f32(w) : backend.i32(w);
  };
  const bias = (name: LinearName) => {
    const b = inputs[names.bias[name]];
    if (!b) return null;
    const out = z.linears[name][0];
    if (b.dtype !== 'float32' || b.shape.length !== 1 || b.shape[0] !== out)
      fail(`layer ${i}'s ${name}Bias must be float32 [${out}], got ${b.dtype} [${b.shape}]`);
    return backend.f32(b);
  };
  const norm = (name: 'inputNorm' | 'postAttentionNorm') => {
    const t = input(name, names[name]);
    if (t.dtype !== 'float32' || t.shape.length !== 1 || t.shape[0] !== z.h)
      fail(`layer ${i}'s ${name} must be float32 [${z.h}], got ${t.dtype} [${t.shape}]`);
    return backend.f32(t);
  };
  return {
    inputNorm: norm('inputNorm'),
    postAttentionNorm: norm('postAttentionNorm'),
    q: weight('q'),
    k: weight('k'),
    v: weight('v'),
    o: weight('o'),
    gate: weight('gate'),
    up: weight('up'),
    down: weight('down'),
    qBias: bias('q'),
    kBias: bias('k'),
    vBias: bias('v'),
    oBias: bias('o'),
    gateBias: bias('gate'),
    upBias: bias('up'),
    downBias: bias('down'),
  };
}

// -> [hidden' [b, 1, h], keyCache'0, valueCache'0, …] (the caches written in place when unshared).
function decoderLayers({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { hidden, cos, sin, segmentIds } = inputs;
  const layers = attrs?.layers as number;
  if (!Number.isInteger(layers) || layers < 1) fail(`attr layers must be a positive integer, got ${layers}`);
  const [batch, s, h] = hidden.shape;
  if (hidden.dtype !== 'float32' || hidden.shape.length !== 3 || s !== 1)
    fail(`hidden must be float32 [b, 1, h], got ${hidden.dtype} [${hidden.shape}]`);
  const first = inputs['0.keyCache'] ?? fail('layer 0 has no keyCache');
  const [, kvHeads, capacity, headDim] = first.shape;
  const q = inputs['0.q'] ?? fail('layer 0 has no q');
  const gate = inputs['0.gate'] ?? fail('layer 0 has no gate');
  const heads = q.shape[0] / headDim;
  const intermediate = gate.shape[0];
  const z: LayerShapes = {
    h,
    cache: [batch, kvHeads, capacity, headDim],
    linears: {
      q: [heads * headDim, h],
      k: [kvHeads * headDim, h],
      v: [kvHeads * headDim, h],
      o: [h, heads * headDim],
      gate: [intermediate, h],
      up: [intermediate, h],
      down: [h, intermediate],
    },
  };
  if (segmentIds && (segmentIds.dtype !== 'int32' || segmentIds.shape[0] !== batch || segmentIds.shape[1] !== capacity))
    fail(`segmentIds must be int32 [${batch}, ${capacity}], got ${segmentIds.dtype} [${segmentIds.shape}]`);
  const checked = Array.from({ length: layers }, (_, i) => layerArrays(backend, inputs, i, z));
  const y = backend.output(hidden.shape);
  const outputs: tf.TensorInfo[] = [y.info];
  const arrays = checked.map((layer, i): DecoderLayerArrays => {
    const names = decoderLayerInputNames(i);
    const key = writable(backend, inputs[names.keyCache], 'float32');
    const value = writable(backend, inputs[names.valueCache], 'float32');
    outputs.push(key.info, value.info);
    return { ...layer, keyCache: key.values, valueCache: value.values };
  });
  backend.addon.decoderLayers(
    {
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
      cos: backend.f32(cos),
      sin: backend.f32(sin),
      segmentIds: segmentIds ? backend.i32(segmentIds) : null,
      bf16Products: backend.precision === 'bf16',
    },
    arrays,
  );
  return outputs;
}

export const DECODER_LAYER_NATIVE_KERNELS: NativeKernel[] = [{ name: FUSED_KERNELS.decoderLayers, run: decoderLayers }];
