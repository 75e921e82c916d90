// The counted fallback: a tfjs kernel the cuda backend does not implement runs on a private
// MathBackendCPU (tfjs has no kernel fallback of its own: an unregistered kernel throws). Inputs
// are copied to the host, the cpu kernel runs, outputs are copied back to the device. Each run
// is counted per kernel name, so a training step or a generation can be checked to need none.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { tf } from '../../tf';
import type { CudaBackend } from './cuda_backend';

type KernelFunc = tf.KernelConfig['kernelFunc'];

export class CpuFallback {
  private readonly counts = new Map<string, number>();
  private cpu?: MathBackendCPU;

  /** Runs kernel `name`'s cpu implementation on host copies of the inputs. */
  run(
    name: string,
    cpuFunc: KernelFunc,
    backend: CudaBackend,
    inputs: Record<string, tf.TensorInfo>,
    attrs: unknown,
  ): tf.TensorInfo | tf.TensorInfo[] {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    const cpu = this.backend();
    const hostIds: object[] = [];
    // Kernels over a list (Pack, AddN, Concat) get their inputs as an array, and cpu kernels call
    // array methods on it: keep the container's kind.
    const hostInputs: Record<string, tf.TensorInfo> = (Array.isArray(inputs) ? [] : {}) as Record<
      string,
      tf.TensorInfo
    >;
    for (const [key, t] of Object.entries(inputs)) {
      if (t == null) continue;
      const dataId = cpu.write(backend.readSync(t.dataId), t.shape, t.dtype);
      hostIds.push(dataId);
      hostInputs[key] = { dataId, shape: t.shape, dtype: t.dtype };
    }
    try {
      const result = cpuFunc({ inputs: hostInputs, backend: cpu, attrs } as never) as tf.TensorInfo | tf.TensorInfo[];
      const outs = Array.isArray(result) ? result : [result];
      const back = outs.map((o) => {
        hostIds.push(o.dataId);
        const dataId = backend.write(cpu.readSync(o.dataId) as Float32Array, o.shape, o.dtype);
        return { dataId, shape: o.shape, dtype: o.dtype };
      });
      return Array.isArray(result) ? back : back[0];
    } finally {
      for (const id of new Set(hostIds)) cpu.disposeData(id, true);
    }
  }

  /** Fallback runs per kernel name since start-up (or the last reset). */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  reset(): void {
    this.counts.clear();
  }

  private backend(): MathBackendCPU {
    if (!this.cpu) {
      this.cpu = new MathBackendCPU();
      // The cpu backend greets its first write with an "install tfjs-node" banner.
      (this.cpu as unknown as { firstUse: boolean }).firstUse = false;
    }
    return this.cpu;
  }
}
