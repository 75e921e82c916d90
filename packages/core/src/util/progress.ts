// The one progress bar of the project (training steps, evaluation, distillation, the demo's phases).
// On a terminal the line is redrawn in place; otherwise a plain line is printed at every `lines`-th
// fraction of the work (a tenth by default), so CI logs stay short. Always on stderr by default:
// stdout is for results.

/** How a bar reports. */
export interface ProgressBarOptions {
  /** where the bar goes (stderr by default) */
  out?: NodeJS.WriteStream;
  /** plain lines printed over the whole run when `out` is not a terminal (10: one per tenth) */
  lines?: number;
  /** units already done before this process started (a resumed run): the ETA uses only units timed here */
  startAt?: number;
  /** wall-clock start (ms since the epoch) of the work timed for the ETA */
  startedAt?: number;
}

/** Redraws `label [####....] done/total elapsed ETA detail` as work advances. */
export class ProgressBar {
  private done: number;
  private detail = '';
  private readonly startAt: number;
  private readonly started: number;
  private readonly out: NodeJS.WriteStream;
  private readonly lines: number;
  private lastLine = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    options: ProgressBarOptions = {},
  ) {
    this.out = options.out ?? process.stderr;
    this.lines = options.lines ?? 10;
    this.startAt = options.startAt ?? 0;
    this.done = this.startAt;
    this.started = options.startedAt ?? Date.now();
  }

  /** Adds `n` finished units and redraws. */
  advance(n: number): void {
    if (n <= 0) return;
    this.update(this.done + n);
  }

  /** Sets the finished units (and an optional trailing figure such as `acc 41.0%`) and redraws. */
  update(done: number, detail = this.detail): void {
    this.done = Math.min(this.total, done);
    this.detail = detail;
    this.draw();
  }

  /** Ends the line. */
  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
    else if (this.lastLine < this.lines) this.out.write(`${this.line()}\n`);
  }

  /** A message on its own line that the bar does not overwrite. */
  note(message: string): void {
    this.out.write(`${this.out.isTTY ? '\r\x1b[K' : ''}${message}\n`);
  }

  private line(): string {
    const width = 24;
    const filled = this.total === 0 ? width : Math.round((width * this.done) / this.total);
    const seconds = (Date.now() - this.started) / 1000;
    const timed = this.done - this.startAt;
    const eta = timed <= 0 ? '?' : formatDuration((seconds * (this.total - this.done)) / timed);
    const detail = this.detail ? `  ${this.detail}` : '';
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${formatDuration(seconds)} ETA ${eta}${detail}`;
  }

  private draw(): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${this.line()}`);
      return;
    }
    const line = this.total === 0 ? this.lines : Math.floor((this.lines * this.done) / this.total);
    if (line > this.lastLine) {
      this.lastLine = line;
      this.out.write(`${this.line()}\n`);
    }
  }
}

/** `42s`, `3m05s` or `1h02m`. */
function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}
