// The command line that continues an interrupted `train`, as the user can type it again.
import { resumeCommandLine } from '@mixdistill/train';

/** How the user can run this command again: through the root script (`pnpm mixdistill`) or the bin. */
export function commandPrefix(): string {
  return process.env.npm_lifecycle_event === 'mixdistill' ? 'npx -y pnpm@9.15.9 -s mixdistill' : 'mixdistill';
}

/** The command that continues an interrupted `train` with the same arguments. */
export function trainResumeCommand(): string {
  return resumeCommandLine(commandPrefix(), process.argv.slice(2));
}
