import {
  type Random,
  type SampleOptions,
  type SpecialTokens,
  seededRandom,
  tf,
} from '@prefopt/core';

/** A causal model as the sampler sees it: next-token logits for rows of ids. */
export interface CausalModel {
  readonly contextLength: number;
  readonly special: SpecialTokens;
  /** Next-token logits [rows, T, V] for ids [rows, T]. */
  logits(ids: tf.Tensor2D): tf.Tensor3D;
}

/** Picks a token from one row of logits: greedy at temperature 0, else sampled. */
export function pickToken(logits: Float32Array, options: SampleOptions, random: Random): number {
  let best = 0;
  for (let v = 1; v < logits.length; v++) if ((logits[v] ?? 0) > (logits[best] ?? 0)) best = v;
  if (options.temperature === 0) return best;

  const order = Array.from(logits.keys()).sort((a, b) => (logits[b] ?? 0) - (logits[a] ?? 0));
  const candidates = order.slice(0, options.topK ?? order.length);
  const top = logits[best] ?? 0;
  const weights = candidates.map((v) => Math.exp(((logits[v] ?? 0) - top) / options.temperature));
  const total = weights.reduce((sum, w) => sum + w, 0);

  let threshold = random.next() * total;
  for (let i = 0; i < candidates.length; i++) {
    threshold -= weights[i] ?? 0;
    if (threshold < 0) return candidates[i] ?? best;
  }
  return candidates[candidates.length - 1] ?? best;
}

/**
 * Generates completions for a batch of prompts, one token per step for all
 * unfinished rows at once. A row stops after its end token, after
 * `maxTokens` tokens, or when it fills the context.
 *
 * Limitation: there is no key-value cache, so each step runs the model over
 * the whole prefix; fine for the short completions of the built-in tasks.
 */
export function sampleCompletions(
  model: CausalModel,
  prompts: readonly (readonly number[])[],
  options: SampleOptions,
): number[][] {
  const random = seededRandom(options.seed);
  const completions: number[][] = prompts.map(() => []);
  const finished = prompts.map((prompt) => prompt.length + 1 >= model.contextLength);
  const { beginId, endId, paddingId } = model.special;

  for (let step = 0; step < options.maxTokens; step++) {
    const active = prompts.flatMap((_, row) => (finished[row] ? [] : [row]));
    if (active.length === 0) break;

    const prefixes = active.map((row) => [
      beginId,
      ...(prompts[row] ?? []),
      ...(completions[row] ?? []),
    ]);
    const width = Math.max(...prefixes.map((prefix) => prefix.length));
    const last = tf.tidy(() => {
      const ids = tf.tensor2d(
        prefixes.map((prefix) => [...prefix, ...Array(width - prefix.length).fill(paddingId)]),
        [prefixes.length, width],
        'int32',
      );
      const flat = tf.reshape(model.logits(ids), [prefixes.length * width, -1]); // (A*T, V)
      const positions = prefixes.map((prefix, a) => a * width + prefix.length - 1);
      return tf.gather(flat, tf.tensor1d(positions, 'int32')); // (A, V)
    });
    const rows = last.arraySync() as number[][];
    last.dispose();

    active.forEach((row, a) => {
      const token = pickToken(Float32Array.from(rows[a] ?? []), options, random);
      const completion = completions[row] ?? [];
      completion.push(token);
      const length = 1 + (prompts[row]?.length ?? 0) + completion.length;
      if (token === endId || length >= model.contextLength) finished[row] = true;
    });
  }
  return completions;
}
