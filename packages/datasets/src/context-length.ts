import { UserError } from '@prefopt/core';

/**
 * Checks that a context length is a whole number of tokens. The runner
 * validates it as an option, so a bad one here is a bug in the caller.
 */
export function assertContextLength(contextLength: number): void {
  if (!Number.isInteger(contextLength) || contextLength < 1) {
    throw new RangeError(`contextLength must be an integer >= 1, got ${contextLength}`);
  }
}

/**
 * Throws unless a built-in task's longest row (begin token, prompt,
 * completion, end token) fits in the context length. The task's options
 * decide that length, so a misfit is the user's to fix.
 */
export function requireRowsFit(task: string, longestRow: number, contextLength: number): void {
  assertContextLength(contextLength);
  if (longestRow > contextLength) {
    throw new UserError(
      `${task}: rows take up to ${longestRow} tokens with the prompt, begin and end tokens; ` +
        `the context length is ${contextLength}`,
    );
  }
}
