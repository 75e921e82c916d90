// LoRA (Hu et al. 2021) through the model's linear-adapter seam, stored as peft stores it:
// y = x·Wᵀ + b + (alpha / r) · dropout(x)·Aᵀ·Bᵀ with A [r, in] ~ kaiming_uniform(a=√5) (bound
// 1/√in, peft's default) and B [out, r] = 0, so training starts from the base model exactly.
import fs from 'node:fs';
import path from 'node:path';
import { Checkpoint, deriveSeed, MixdistillError, Rng, tf, writeSafetensors } from '@mixdistill/core';
import type { CausalLM, LinearAdapter } from '@mixdistill/models';
import type { LoraConfig } from './config';

/** peft's file names. */
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
export const ADAPTER_CONFIG = 'adapter_config.json';

/** One adapted linear layer. */
interface LoraLayer {
  a: tf.Variable; // [r, in]
  b: tf.Variable; // [out, r]
  /** index among adapted modules, for per-module dropout seeds */
  index: number;
}

/** The adapters of one model, their trainable variables and the seam function. */
export class LoraAdapters {
  readonly layers = new Map<string, LoraLayer>();
  /** alpha / r */
  readonly scale: number;
  /** dropout is applied only while training */
  training = true;
  /** seed of this micro-batch's dropout masks (set before each forward, so recomputation matches) */
  dropoutSeed = 0;

  /** Adds A and B for every linear whose last name part is in `config.targets`. */
  constructor(
    model: CausalLM,
    readonly config: LoraConfig,
    seed: number,
  ) {
    if (!(config.rank >= 1)) throw new MixdistillError(`--lora-rank must be at least 1, got ${config.rank}`);
    this.scale = config.alpha / config.rank;
    const rng = new Rng(deriveSeed(seed, 0x10a));
    const modules = [...model.params.keys()]
      .filter((n) => n.endsWith('.weight'))
      .map((n) => n.slice(0, -'.weight'.length));
    const targets = new Set(config.targets);
    for (const module of modules) {
      if (!targets.has(module.slice(module.lastIndexOf('.') + 1))) continue;
      const w = model.params.get(`${module}.weight`)!;
      if (w.shape.length !== 2) continue;
      const [out, inp] = w.shape as [number, number];
      const bound = 1 / Math.sqrt(inp);
      const aInit = Float32Array.from({ length: config.rank * inp }, () => (rng.next() * 2 - 1) * bound);
      this.layers.set(module, {
        a: tf.variable(tf.tensor2d(aInit, [config.rank, inp]), true),
        b: tf.variable(tf.zeros([out, config.rank]), true),
        index: this.layers.size,
      });
    }
    if (this.layers.size === 0) {
      throw new MixdistillError(
        `--lora-target ${config.targets.join(',')}: no linear layer of the model has that name`,
      );
    }
  }

  /** The seam function for CausalLM.setLinearAdapter. */
  readonly adapter: LinearAdapter = (name, x, y) => {
    const layer = this.layers.get(name);
    if (!layer) return y;
    const inDim = x.shape[x.shape.length - 1]!;
    let rows = tf.reshape(x, [-1, inDim]); // [n, in]
    if (this.training && this.config.dropout > 0)
      rows = tf.dropout(rows, this.config.dropout, undefined, deriveSeed(this.dropoutSeed, layer.index));
    const low = tf.matMul(rows, layer.a, false, true); // [n, r]
    const update = tf.matMul(low, layer.b, false, true); // [n, out]
    return tf.add(y, tf.mul(tf.reshape(update, y.shape), this.scale));
  };

  /** Trainable variables by peft tensor name. */
  trainable(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [module, l] of this.layers) {
      out.set(peftName(module, 'A'), l.a);
      out.set(peftName(module, 'B'), l.b);
    }
    return out;
  }

  /** The adapter variables a decoder layer's linears read (for activation checkpointing). */
  variablesOf(moduleNames: readonly string[]): tf.Variable[] {
    const out: tf.Variable[] = [];
    for (const name of moduleNames) {
      const l = this.layers.get(name.replace(/\.(weight|bias)$/, ''));
      if (l && name.endsWith('.weight')) out.push(l.a, l.b);
    }
    return out;
  }

  /** Writes adapter_model.safetensors and adapter_config.json (peft's LoRA layout). */
  save(dir: string, baseModel: string): void {
    fs.mkdirSync(dir, { recursive: true });
    writeSafetensors(
      path.join(dir, ADAPTER_WEIGHTS),
      [...this.trainable()].map(([name, v]) => ({
        name,
        dtype: 'F32' as const,
        shape: v.shape,
        data: () => v.dataSync() as Float32Array,
      })),
      { format: 'pt' },
    );
    const targets = [...new Set([...this.layers.keys()].map((m) => m.slice(m.lastIndexOf('.') + 1)))];
    const config = {
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: baseModel,
      r: this.config.rank,
      lora_alpha: this.config.alpha,
      lora_dropout: this.config.dropout,
      target_modules: targets,
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
    };
    fs.writeFileSync(path.join(dir, ADAPTER_CONFIG), `${JSON.stringify(config, null, 2)}\n`);
  }

  /** Loads A and B saved by `save` (or peft) into these adapters. */
  load(dir: string): void {
    const ckpt = Checkpoint.open(path.join(dir, ADAPTER_WEIGHTS));
    try {
      const shapes = new Map(ckpt.entries().map((e) => [e.name, e.shape]));
      for (const [name, v] of this.trainable()) {
        if (!ckpt.has(name)) throw new MixdistillError(`${path.join(dir, ADAPTER_WEIGHTS)}: missing tensor ${name}`);
        // An adapter trained on another base model has other matrix sizes: say so instead of a shape error.
        const stored = shapes.get(name)!;
        if (stored.join(',') !== v.shape.join(','))
          throw new MixdistillError(
            `${path.join(dir, ADAPTER_WEIGHTS)}: ${name} is [${stored.join(', ')}] but this base model needs [${v.shape.join(', ')}]; was the adapter trained on another --model?`,
          );
        const next = tf.tensor(ckpt.readFloat32(name), v.shape);
        v.assign(next);
        next.dispose();
      }
    } finally {
      ckpt.close();
    }
  }

  /** W ← W + (alpha / r)·B·A for every adapted layer of `model` (then the adapter can be removed). */
  mergeInto(model: CausalLM): void {
    for (const [module, l] of this.layers) {
      const w = model.params.get(`${module}.weight`)!;
      const merged = tf.tidy(() => tf.add(w, tf.mul(tf.matMul(l.b, l.a), this.scale)));
      w.assign(merged);
      merged.dispose();
    }
  }

  dispose(): void {
    for (const l of this.layers.values()) tf.dispose([l.a, l.b]);
  }
}

/** peft's tensor name for a module's A or B matrix. */
export function peftName(module: string, which: 'A' | 'B'): string {
  return `base_model.model.${module}.lora_${which}.weight`;
}

/** Reads adapter_config.json into a LoraConfig. */
export function readAdapterConfig(dir: string): LoraConfig {
  const file = path.join(dir, ADAPTER_CONFIG);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MixdistillError(`${file}: cannot read the LoRA adapter config (${(err as Error).message})`);
  }
  const { r, lora_alpha: alpha, lora_dropout: dropout, target_modules: targets } = json;
  if (typeof r !== 'number' || typeof alpha !== 'number' || !Array.isArray(targets)) {
    throw new MixdistillError(`${file}: expected numeric "r" and "lora_alpha" and a "target_modules" list`);
  }
  return { rank: r, alpha, dropout: typeof dropout === 'number' ? dropout : 0, targets: targets.map(String) };
}
