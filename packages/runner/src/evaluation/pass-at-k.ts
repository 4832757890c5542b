/**
 * The probability that at least one of k completions, drawn without
 * replacement from n sampled completions of which c are correct, is
 * correct: 1 - C(n - c, k) / C(n, k). It is the unbiased estimator of
 * pass@k from Chen et al. 2021, "Evaluating Large Language Models Trained
 * on Code" (the Codex paper); the plug-in guess 1 - (1 - c/n)^k
 * underestimates pass@k.
 *
 * The binomials overflow doubles for a few thousand samples, so the ratio
 * is computed as the product prod_{i = n-c+1}^{n} (1 - k / i), as in the
 * paper's own code. It is 1 when n - c < k: every draw of k holds a correct
 * completion.
 *
 * Example: passAtK(5, 2, 2) = 1 - C(3, 2) / C(5, 2) = 1 - 3/10 = 0.7.
 *
 * @param samples completions sampled for the prompt, n >= 1
 * @param correct how many of them are correct, 0 <= c <= n
 * @param k completions allowed per attempt, 1 <= k <= n
 */
export function passAtK(samples: number, correct: number, k: number): number {
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`passAtK: samples must be an integer of at least 1, got ${samples}`);
  }
  if (!Number.isInteger(correct) || correct < 0 || correct > samples) {
    throw new RangeError(
      `passAtK: correct must be an integer from 0 to samples (${samples}), got ${correct}`,
    );
  }
  if (!Number.isInteger(k) || k < 1 || k > samples) {
    throw new RangeError(`passAtK: k must be an integer from 1 to samples (${samples}), got ${k}`);
  }

  if (samples - correct < k) return 1;
  // Every factor is positive: i >= n - c + 1 > k here.
  let allWrong = 1;
  for (let i = samples - correct + 1; i <= samples; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}
