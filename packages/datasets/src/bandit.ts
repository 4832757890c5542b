import {
  deriveSeed,
  type Infer,
  number,
  object,
  type PairOptions,
  type PreferenceDataset,
  type Random,
  seededRandom,
  type TokenizedPair,
} from '@prefopt/core';
import { BanditTokenizer } from './bandit-tokenizer.js';
import { requireRowsFit } from './context-length.js';
import { logSoftmax } from './log-softmax.js';
import { optimalDistribution } from './optimum.js';

export const banditOptions = object({
  prompts: number({ description: 'number of prompts K', atLeast: 1, integer: true, default: 4 }),
  candidates: number({
    description: 'number of candidate completions N per prompt',
    atLeast: 2,
    integer: true,
    default: 6,
  }),
  rewardScale: number({
    description: 'standard deviation of the true rewards: larger makes preferences surer',
    greaterThan: 0,
    default: 1,
  }),
});

export type BanditOptions = Infer<typeof banditOptions>;

/** Every row is begin, one prompt token, one candidate token, end. */
const rowLength = 4;

/** sigmoid(x) for x >= 0, where 1 / (1 + e^-x) cannot overflow. */
function sigmoidOfMargin(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

/**
 * A contextual bandit small enough to solve exactly: K prompts, each with N
 * candidate completions of one token. Each candidate j of prompt k has a
 * true reward r[k][j] = rewardScale * a standard normal draw, and the
 * reference model puts pi_ref[k] = softmax(standard normal logits) on them.
 *
 * Its pairs are every unordered pair of distinct candidates of every prompt
 * (K * N(N-1)/2 in all), the higher-reward candidate chosen, with the
 * Bradley-Terry soft label sigmoid(r_chosen - r_rejected). Because the
 * optimum of DPO and H-DPO is known in closed form (`optimalPolicy`), a
 * trained tabular policy can be checked against it.
 *
 * Options: prompts K >= 1 (default 4), candidates N >= 2 (default 6),
 * rewardScale > 0 (default 1). The seed fixes rewards and reference.
 */
export class BanditTask implements PreferenceDataset {
  readonly name = 'bandit';
  readonly tokenizer: BanditTokenizer;
  /** True rewards, [prompt][candidate]. */
  readonly rewards: readonly (readonly number[])[];
  /** The reference distribution over candidates, [prompt][candidate]. */
  readonly referenceProbabilities: readonly (readonly number[])[];
  /** log pi_ref, kept apart so `optimalPolicy` never takes the log of a rounded probability. */
  private readonly referenceLogProbs: readonly (readonly number[])[];

  constructor(
    readonly options: BanditOptions,
    seed: number,
  ) {
    const { prompts, candidates, rewardScale } = options;
    this.tokenizer = new BanditTokenizer(prompts, candidates);

    // Separate streams, so that changing one never shifts the other.
    const rewardRandom = seededRandom(deriveSeed(seed, 'bandit:rewards'));
    const logitRandom = seededRandom(deriveSeed(seed, 'bandit:reference'));
    const draw = (scale: number, random: Random) =>
      Array.from({ length: prompts }, () =>
        Array.from({ length: candidates }, () => scale * random.normal()),
      );

    this.rewards = draw(rewardScale, rewardRandom);
    this.referenceLogProbs = draw(1, logitRandom).map(logSoftmax);
    this.referenceProbabilities = this.referenceLogProbs.map((row) => row.map(Math.exp));
  }

  /**
   * The policy that maximises the H-DPO objective, per prompt:
   *
   *   pi*(j) = pi_ref(j)^(1/alpha) * exp(r(j) / (alpha * beta)) / Z
   *
   * computed in log space (see `optimalDistribution`). alpha = 1 gives the
   * DPO optimum pi_ref * exp(r / beta) / Z; alpha < 1 sharpens it, alpha > 1
   * flattens it. [prompt][candidate].
   */
  optimalPolicy(alpha: number, beta: number): number[][] {
    return this.referenceLogProbs.map((logProbs, prompt) =>
      optimalDistribution(logProbs, this.rewards[prompt] as readonly number[], alpha, beta),
    );
  }

  pairs(options: PairOptions): AsyncIterable<TokenizedPair> {
    requireRowsFit(this.name, rowLength, options.contextLength);
    return this.generatePairs();
  }

  private async *generatePairs(): AsyncGenerator<TokenizedPair> {
    const { prompts, candidates } = this.options;
    for (let prompt = 0; prompt < prompts; prompt++) {
      const rewards = this.rewards[prompt] as readonly number[];
      for (let first = 0; first < candidates; first++) {
        for (let second = first + 1; second < candidates; second++) {
          // The higher reward is chosen; on a tie, the lower index.
          const firstWins = (rewards[first] as number) >= (rewards[second] as number);
          const chosen = firstWins ? first : second;
          const rejected = firstWins ? second : first;
          yield {
            prompt: [prompt],
            chosen: [prompts + chosen],
            rejected: [prompts + rejected],
            label: sigmoidOfMargin((rewards[chosen] as number) - (rewards[rejected] as number)),
          };
        }
      }
    }
  }
}
