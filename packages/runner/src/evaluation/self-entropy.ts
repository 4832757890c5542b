import {
  collateRows,
  type Policy,
  type PromptCompletion,
  type SpecialTokens,
  tf,
  toTokenBatch,
} from '@prefopt/core';

/** A policy's entropy summed over the tokens of some completions, and how many tokens. */
export interface EntropyTotal {
  /** Sum over completion tokens of the entropy (nats) of the next-token distribution. */
  readonly nats: number;
  readonly tokens: number;
}

/**
 * The entropy of a policy over completions it sampled itself, each
 * position weighted once: a measure of how sharp the policy is where it
 * actually goes, which preference objectives such as H-DPO set out to
 * change.
 *
 * A completion is scored exactly as it was sampled. One that ends with the
 * end token is laid out as usual, the collator putting that end token back.
 * One cut at maxTokens or at the context has no end token and gets none:
 * scoring an end token the policy never wrote would add a position it never
 * visited, and could make the row one longer than the context. Such a row
 * is collated without its last token, and that token is written where the
 * collator put the end token, so the completion mask still covers it.
 * Empty completions have nothing to score and are skipped.
 *
 * Allocates and disposes its tensors; one policy.score call for all rows.
 *
 * @param completions sampled completion ids for `prompt`, as policy.sample returns them
 */
export function selfEntropy(
  policy: Policy,
  special: SpecialTokens,
  prompt: readonly number[],
  completions: readonly (readonly number[])[],
): EntropyTotal {
  const rows: PromptCompletion[] = [];
  /** For each row, the token that replaces its end token, or undefined to keep it. */
  const lastTokens: (number | undefined)[] = [];
  for (const completion of completions) {
    if (completion.length === 0) continue;
    const last = completion[completion.length - 1] as number;
    rows.push({ prompt, completion: completion.slice(0, -1) });
    lastTokens.push(last === special.endId ? undefined : last);
  }
  if (rows.length === 0) return { nats: 0, tokens: 0 };

  const collated = collateRows(rows, special);
  rows.forEach((row, r) => {
    const last = lastTokens[r];
    // The end token of row r sits after begin, the prompt and the completion.
    const endPosition = 1 + row.prompt.length + row.completion.length;
    if (last !== undefined) collated.ids[r * collated.length + endPosition] = last;
  });

  const [entropy, tokens] = tf.tidy(() => {
    const scores = policy.score(toTokenBatch(collated));
    return [scores.entropy.dataSync(), scores.tokens.dataSync()];
  });
  let nats = 0;
  let count = 0;
  for (let r = 0; r < rows.length; r++) {
    // Scores.entropy is a mean per token of its row: weight it back by the row's tokens.
    nats += (entropy[r] ?? 0) * (tokens[r] ?? 0);
    count += tokens[r] ?? 0;
  }
  return { nats, tokens: count };
}
