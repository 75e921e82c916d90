// Training progress: core's bar over the optimizer steps with the step's metrics as its detail; on a
// log (no terminal) a line about every hundredth of the run (every step is in metrics.jsonl).
import { ProgressBar } from '@mixdistill/core';
import type { StepMetrics } from './metrics';

export class Progress {
  private readonly bar: ProgressBar;

  constructor(
    readonly totalSteps: number,
    out: NodeJS.WriteStream = process.stderr,
    /** wall-clock start of this process's training, for the ETA */
    startedAt = Date.now(),
    /** step this process started at (resume), so the ETA uses only steps timed here */
    firstStep = 0,
  ) {
    this.bar = new ProgressBar('step', totalSteps, { out, lines: 100, startedAt, startAt: firstStep });
  }

  step(m: StepMetrics): void {
    this.bar.update(
      m.step,
      `loss ${m.loss.toFixed(4)}  lr ${m.lr.toExponential(2)}  grad_norm ${m.grad_norm.toFixed(3)}  ${Math.round(m.tokens_per_s)} tok/s`,
    );
    if (m.step === this.totalSteps) this.bar.finish();
  }

  /** A message that must not be overwritten by the bar. */
  note(message: string): void {
    this.bar.note(message);
  }
}
