// AdamW over a model's named parameters, grouped as the HF Trainer groups them: weight decay on
// everything except biases and norm weights (Trainer.get_decay_parameter_names excludes biases and
// LayerNorm/RMSNorm weights). The per-element arithmetic is core's `adamwUpdate` (kernel `MdAdamW`);
// the moments are tensors of the active backend, so on a GPU they never leave the device.
import { adamwUpdate, tf, type AdamWState, type WriteTensor } from '@mixdistill/core';

/** Optimizer hyper-parameters (torch.optim.AdamW defaults except weight decay, which the Trainer sets). */
export interface AdamWConfig {
  /** β1 (`--adam-beta1`) */
  beta1: number;
  /** β2 (`--adam-beta2`) */
  beta2: number;
  /** ε (`--adam-epsilon`) */
  eps: number;
  /** decoupled weight decay (`--weight-decay`) on the decayed group */
  weightDecay: number;
}

/** Whether a parameter gets weight decay: not biases, not norm weights. */
export function decaysWeight(name: string): boolean {
  return !name.endsWith('.bias') && !name.toLowerCase().includes('norm');
}

/** AdamW state for a fixed set of named parameters. */
export class AdamW {
  /** moments per parameter name (tf.Variables, not trainable) */
  readonly state = new Map<string, AdamWState>();
  /** optimizer steps taken so far (torch's per-parameter `step`, the same for all) */
  step = 0;

  constructor(
    readonly params: ReadonlyMap<string, tf.Variable>,
    readonly config: AdamWConfig,
  ) {
    for (const [name, p] of params) {
      this.state.set(name, {
        m: tf.tidy(() => tf.variable(tf.zeros(p.shape), false)),
        v: tf.tidy(() => tf.variable(tf.zeros(p.shape), false)),
      });
    }
  }

  /** One step: gradients are scaled by `clipCoef` (from clipCoefficient) and applied at `lr`. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, lr: number, clipCoef: number): void {
    this.step++;
    for (const [name, p] of this.params) {
      const g = grads.get(name);
      if (!g) throw new Error(`AdamW: no gradient for ${name}`);
      adamwUpdate(p, g, this.state.get(name)!, {
        lr,
        beta1: this.config.beta1,
        beta2: this.config.beta2,
        eps: this.config.eps,
        weightDecay: decaysWeight(name) ? this.config.weightDecay : 0,
        step: this.step,
        gradScale: clipCoef,
      });
    }
  }

  /** The moments as float32 tensors named `exp_avg.<param>` / `exp_avg_sq.<param>` (torch's names). */
  stateTensors(): WriteTensor[] {
    const out: WriteTensor[] = [];
    for (const [name, p] of this.params) {
      const s = this.state.get(name)!;
      // Thunks: the writer reads one moment off the device at a time.
      out.push({ name: `exp_avg.${name}`, dtype: 'F32', shape: p.shape, data: () => s.m.dataSync() as Float32Array });
      out.push({
        name: `exp_avg_sq.${name}`,
        dtype: 'F32',
        shape: p.shape,
        data: () => s.v.dataSync() as Float32Array,
      });
    }
    return out;
  }

  /** Restores moments saved by stateTensors (read through `read(name)`) and the step count. */
  loadState(step: number, read: (name: string) => Float32Array): void {
    this.step = step;
    for (const [name, s] of this.state) {
      for (const [moment, key] of [
        [s.m, `exp_avg.${name}`],
        [s.v, `exp_avg_sq.${name}`],
      ] as const) {
        const saved = tf.tensor(read(key), moment.shape, 'float32');
        moment.assign(saved);
        saved.dispose();
      }
    }
  }

  /** Frees the moments. */
  dispose(): void {
    for (const s of this.state.values()) tf.dispose([s.m, s.v]);
  }
}
