// A progress bar on stderr for the demo's own phases (data, evaluation); training prints the train
// package's bar. On a terminal the line is redrawn in place; otherwise a plain line is printed at
// every tenth of the work, so CI logs stay short.

/** Redraws `label [####....] done/total elapsed ETA` as work advances. */
export class ProgressBar {
  private done = 0;
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
    this.done = Math.min(this.total, this.done + n);
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
    return `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${Math.round(seconds)}s ETA ${eta}`;
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
