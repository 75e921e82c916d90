// The progress bar of the CLI's long loops (demo phases, eval, distill); training prints the train
// package's per-step bar. On a terminal the line is redrawn in place; otherwise a plain line is
// printed at every tenth of the work, so CI logs stay short. Always on stderr: stdout is for results.

/** Redraws `label [####....] done/total elapsed ETA detail` as work advances. */
export class ProgressBar {
  private done = 0;
  private detail = '';
  private readonly started = Date.now();
  private lastTenth = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

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
    else if (this.lastTenth < 10) this.out.write(`${this.line()}\n`);
  }

  private line(): string {
    const width = 24;
    const filled = this.total === 0 ? width : Math.round((width * this.done) / this.total);
    const seconds = (Date.now() - this.started) / 1000;
    const eta = this.done === 0 ? '?' : `${Math.round((seconds * (this.total - this.done)) / this.done)}s`;
    const detail = this.detail ? `  ${this.detail}` : '';
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${Math.round(seconds)}s ETA ${eta}${detail}`;
  }

  private draw(): void {
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[K${this.line()}`);
      return;
    }
    const tenth = this.total === 0 ? 10 : Math.floor((10 * this.done) / this.total);
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.out.write(`${this.line()}\n`);
    }
  }
}
