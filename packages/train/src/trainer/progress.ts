// Progress on stderr: a self-overwriting bar on a terminal; otherwise plain lines for the first and
// last step and about every hundredth of the run between them, so a log of a long run stays readable
// (every step is in metrics.jsonl).
import type { StepMetrics } from './metrics';

export class Progress {
  private readonly tty: boolean;

  constructor(
    readonly totalSteps: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    /** wall-clock start of this process's training, for the ETA */
    private readonly startedAt = Date.now(),
    /** step this process started at (resume), so the ETA uses only steps timed here */
    private readonly firstStep = 0,
  ) {
    this.tty = out.isTTY === true;
  }

  step(m: StepMetrics): void {
    const done = m.step - this.firstStep;
    const perStep = (Date.now() - this.startedAt) / 1000 / Math.max(1, done);
    const eta = formatDuration(perStep * (this.totalSteps - m.step));
    const fields = `step ${m.step}/${this.totalSteps}  loss ${m.loss.toFixed(4)}  lr ${m.lr.toExponential(2)}  grad_norm ${m.grad_norm.toFixed(3)}  ${Math.round(m.tokens_per_s)} tok/s  ETA ${eta}`;
    if (this.tty) {
      const width = 20;
      const filled = Math.round((width * m.step) / this.totalSteps);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${fields}\x1b[K`);
      if (m.step === this.totalSteps) this.out.write('\n');
    } else if (
      m.step === this.firstStep + 1 ||
      m.step === this.totalSteps ||
      m.step % Math.max(1, Math.round(this.totalSteps / 100)) === 0
    ) {
      this.out.write(`${fields}\n`);
    }
  }

  /** A message that must not be overwritten by the bar. */
  note(message: string): void {
    this.out.write(`${this.tty ? '\r\x1b[K' : ''}${message}\n`);
  }
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
