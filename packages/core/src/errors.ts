/**
 * An error a user can act on: the CLI prints its message as one line (`mixdistill: …`) and exits
 * non-zero, without a stack trace. Messages name the file/field and what was expected.
 * Anything else that escapes is a bug and is printed with its stack.
 */
export class MixdistillError extends Error {
  override name = 'MixdistillError';
}
