import { type BanditOptions, BanditTask } from '@prefopt/datasets';
import { openRun } from '../run-directory.js';
import { CheckpointStore, readWeights } from '../training/checkpoint.js';
import { entropy, klDivergence, softmax } from './statistics.js';

/** How a trained tabular policy compares with the closed-form optimum. */
export interface BanditOutcome {
  readonly label: string;
  readonly alpha: number;
  /** Mean over prompts of the entropy (nats) of the learned policy and of the optimum. */
  readonly learnedEntropy: number;
  readonly optimumEntropy: number;
  /** Mean over prompts of KL(optimum || learned). */
  readonly kl: number;
  /** The learned distribution per prompt, to compare runs with each other. */
  readonly learned: number[][];
}

/**
 * Reads a finished bandit run: its learned table from the newest
 * checkpoint, and the optimum of its objective,
 * pi* proportional to pi_ref^(1/alpha) exp(r / (alpha beta)), from its task.
 */
export async function banditOutcome(runDirectory: string, label: string): Promise<BanditOutcome> {
  const { config } = await openRun(runDirectory);
  const task = new BanditTask(config.data.train.options as BanditOptions, config.seed);
  const alpha = (config.objective.options.alpha as number | undefined) ?? 1;
  const beta = config.objective.options.beta as number;

  const checkpoint = (await new CheckpointStore(runDirectory).latestDirectory()) as string;
  const weights = await readWeights(checkpoint, 'policy');
  const table = weights['policy/logits'];
  if (table === undefined) throw new Error(`${checkpoint} holds no tabular policy`);
  const learned = (table.arraySync() as number[][]).map(softmax);
  for (const tensor of Object.values(weights)) tensor.dispose();

  const optimum = task.optimalPolicy(alpha, beta);
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    label,
    alpha,
    learnedEntropy: mean(learned.map(entropy)),
    optimumEntropy: mean(optimum.map(entropy)),
    kl: mean(optimum.map((row, k) => klDivergence(row, learned[k] ?? []))),
    learned,
  };
}
