import {
  type Infer,
  number,
  object,
  oneOf,
  type Policy,
  type SampleOptions,
  type Scores,
  seededRandom,
  string,
  type TokenBatch,
  type Tokenizer,
  tf,
  UserError,
} from '@prefopt/core';
import { pickToken } from './sampling.js';

export const tabularOptions = object({
  prompts: number({ description: 'number of prompts K', integer: true, atLeast: 1, default: 4 }),
  candidates: number({
    description: 'candidate completions N per prompt',
    integer: true,
    atLeast: 2,
    default: 6,
  }),
  start: oneOf(['uniform', 'task'], {
    description: "uniform, or the task's reference distribution (the bandit's pi_ref)",
    default: 'uniform',
  }),
  scope: string({
    description: 'prefix of variable names, kept stable for checkpoints',
    default: 'policy',
  }),
});

export type TabularOptions = Infer<typeof tabularOptions>;

/** What the table itself needs: its size and variable scope. */
export type TabularShape = Omit<TabularOptions, 'start'>;

let snapshots = 0;

/**
 * A softmax policy over a fixed set of N candidate completions for each of K
 * prompts: one logit per (prompt, candidate). It is the smallest setting in
 * which an objective's optimum is known in closed form.
 *
 * It reads rows in the layout of the bandit task: the prompt is one token
 * with id k in [0, K), the completion one token with id K + j for candidate
 * j, then the end token (which it always produces, with log-prob 0).
 * Its entropy is that of the candidate distribution of the row's prompt.
 */
export class TabularPolicy implements Policy {
  readonly vocabularySize: number;
  /** Begin, prompt, candidate, end. */
  readonly contextLength = 4;
  readonly variables: readonly tf.Variable[];

  private constructor(
    readonly options: TabularShape,
    private readonly tokenizer: Tokenizer,
    /** Logits [K, N]. */
    readonly logits: tf.Variable,
  ) {
    this.vocabularySize = tokenizer.vocabularySize;
    this.variables = [logits];
  }

  /**
   * A trainable table, uniform unless `initialLogits` [K][N] are given (for
   * example the log-probs of a task's reference distribution).
   */
  static create(
    options: TabularShape,
    tokenizer: Tokenizer,
    initialLogits?: number[][],
  ): TabularPolicy {
    const { prompts, candidates, scope } = options;
    if (prompts + candidates + 3 !== tokenizer.vocabularySize) {
      throw new UserError(
        `tabular: prompts + candidates + 3 special tokens (${prompts + candidates + 3}) ` +
          'must equal ' +
          `the data's vocabulary size (${tokenizer.vocabularySize}); set them to the task's`,
      );
    }
    const initial =
      initialLogits ?? Array.from({ length: prompts }, () => Array(candidates).fill(0));
    if (initial.length !== prompts || initial.some((row) => row.length !== candidates)) {
      throw new UserError(`tabular: initial logits must be ${prompts} rows of ${candidates}`);
    }
    const logits = tf.tidy(() => tf.variable(tf.tensor2d(initial), true, `${scope}/logits`));
    return new TabularPolicy(options, tokenizer, logits);
  }

  /** The (prompt, candidate) of each row, read from the host copy of the ids. */
  private rows(batch: TokenBatch): { prompts: number[]; candidates: number[] } {
    const [rows, length] = batch.ids.shape;
    const ids = batch.ids.dataSync();
    const mask = batch.completionMask.dataSync();
    const { prompts: K, candidates: N } = this.options;
    const prompts: number[] = [];
    const candidates: number[] = [];

    for (let r = 0; r < rows; r++) {
      let start = 0;
      while (start < length && mask[r * length + start] === 0) start++;
      const prompt = ids[r * length + start - 1] ?? -1;
      const candidate = (ids[r * length + start] ?? -1) - K;
      if (start === 0 || prompt < 0 || prompt >= K || candidate < 0 || candidate >= N) {
        throw new UserError(
          `tabular: row ${r} is not a prompt token in [0, ${K}) ` +
            `followed by a candidate in [${K}, ${K + N})`,
        );
      }
      prompts.push(prompt);
      candidates.push(candidate);
    }
    return { prompts, candidates };
  }

  score(batch: TokenBatch): Scores {
    const { prompts, candidates } = this.rows(batch);
    const { prompts: K, candidates: N } = this.options;

    return tf.tidy(() => {
      const promptRows = tf.oneHot(tf.tensor1d(prompts, 'int32'), K); // (B, K)
      const logProbs = tf.logSoftmax(tf.matMul(promptRows, this.logits)); // (B, N)
      const chosen = tf.oneHot(tf.tensor1d(candidates, 'int32'), N); // (B, N)
      return {
        logProbs: tf.sum<tf.Tensor1D>(tf.mul(logProbs, chosen), 1),
        tokens: tf.sum<tf.Tensor1D>(batch.completionMask, 1),
        entropy: tf.neg(tf.sum<tf.Tensor1D>(tf.mul(tf.exp(logProbs), logProbs), 1)),
      };
    });
  }

  /** The policy's distribution over candidates, one row per prompt. */
  probabilities(): number[][] {
    return tf.tidy(() => tf.softmax(this.logits).arraySync() as number[][]);
  }

  snapshot(): TabularPolicy {
    snapshots += 1;
    const scope = `${this.options.scope}-snapshot${snapshots}`;
    const logits = tf.variable(this.logits, false, `${scope}/logits`);
    return new TabularPolicy({ ...this.options, scope }, this.tokenizer, logits);
  }

  sample(prompts: readonly (readonly number[])[], options: SampleOptions): number[][] {
    const random = seededRandom(options.seed);
    const table = this.logits.arraySync() as number[][];
    const { prompts: K } = this.options;

    return prompts.map((prompt) => {
      const k = prompt[prompt.length - 1] ?? -1;
      const logits = table[k];
      if (prompt.length !== 1 || logits === undefined) {
        throw new UserError(`tabular: a prompt must be one token in [0, ${K}), got [${prompt}]`);
      }
      const candidate = K + pickToken(Float32Array.from(logits), options, random);
      return options.maxTokens >= 2 ? [candidate, this.tokenizer.endId] : [candidate];
    });
  }

  dispose(): void {
    this.logits.dispose();
  }
}
