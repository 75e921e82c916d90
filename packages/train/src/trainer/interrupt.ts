// Ctrl-C (SIGINT) and SIGTERM during training: the step in flight finishes, a checkpoint is saved, and
// the run ends with a message that says where the checkpoint is and the command that resumes it. A
// second signal while that happens exits at once (the last complete checkpoint is still on disk,
// because checkpoints are renamed into place only when whole).
import { MixdistillError } from '@mixdistill/core';

/** Thrown by train() after an interrupted run saved its checkpoint; the CLI exits 130 (128 + SIGINT). */
export class TrainInterrupted extends MixdistillError {
  override name = 'TrainInterrupted';
  readonly exitCode = 130;
}

/** Watches for SIGINT/SIGTERM while installed. */
export class InterruptWatch {
  /** the signal received, once one came */
  signal: NodeJS.Signals | null = null;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (this.signal !== null) {
      this.out.write(`\n${sig} again: stopping now without saving\n`);
      process.exit(130);
    }
    this.signal = sig;
    this.out.write(`\n${sig}: finishing the current step and saving a checkpoint (${sig} again to stop at once)\n`);
  };

  constructor(private readonly out: NodeJS.WritableStream) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
  }

  /**
   * Lets the event loop deliver a pending signal (the step loop is synchronous; without this yield a
   * handler installed here would swallow Ctrl-C), then says whether one came.
   */
  async poll(): Promise<NodeJS.Signals | null> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.signal;
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

/** The message a run ends with after a signal. */
export function interruptedMessage(
  step: number,
  totalSteps: number,
  checkpoint: string,
  resumeCommand?: string,
): string {
  const again = resumeCommand ?? 'the same train command with --resume';
  return `interrupted after step ${step} of ${totalSteps}; checkpoint in ${checkpoint}; to continue run: ${again}`;
}

/**
 * The command line that resumes a run, from the one that started it: the same arguments with
 * `--resume` (added once) and without `--overwrite` (which would throw the checkpoint away).
 */
export function resumeCommandLine(prefix: string, args: readonly string[]): string {
  const kept: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--overwrite' || a.startsWith('--overwrite=') || a.startsWith('--resume=')) continue;
    if (a === '--resume') {
      if (args[i + 1] !== undefined && !args[i + 1].startsWith('-')) i++;
      continue;
    }
    kept.push(a);
  }
  const quoted = kept.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return [prefix, ...quoted, '--resume'].join(' ');
}
