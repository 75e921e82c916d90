// OUT/metrics.jsonl: one JSON line per optimizer step, appended as training goes.
import fs from 'node:fs';

/** One optimizer step's numbers. */
export interface StepMetrics {
  /** 1-based optimizer step */
  step: number;
  /** mean token loss of the step (before the update) */
  loss: number;
  /** learning rate the update used */
  lr: number;
  /** global gradient norm before clipping */
  grad_norm: number;
  /** non-pad tokens processed in the step */
  tokens: number;
  tokens_per_s: number;
  /** seconds since the run started (including time before a resume) */
  elapsed_s: number;
  epoch: number;
}

/** Appends metrics; on resume, drops lines of steps after the checkpoint (they will be redone). */
export class MetricsLog {
  constructor(
    readonly file: string,
    resumedStep: number,
  ) {
    if (resumedStep === 0) {
      fs.writeFileSync(file, '');
      return;
    }
    const kept = fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .split('\n')
          .filter((l) => l.trim() !== '' && (JSON.parse(l) as StepMetrics).step <= resumedStep)
      : [];
    fs.writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
  }

  append(m: StepMetrics): void {
    fs.appendFileSync(this.file, `${JSON.stringify(m)}\n`);
  }
}
