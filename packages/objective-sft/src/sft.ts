import {
  type Infer,
  type Objective,
  type ObjectiveInput,
  type ObjectiveOutput,
  object,
  tf,
} from '@prefopt/core';

export const sftOptions = object({});

export type SftOptions = Infer<typeof sftOptions>;

/**
 * Supervised fine-tuning: the negative log-likelihood of the chosen
 * completion, per token, so that long and short completions count alike.
 * The rejected completion is ignored. It needs no reference model. Trained
 * on preference pairs whose chosen side holds demonstrations, it is the
 * supervised stage before preference optimization; it is also the
 * likelihood term some objectives add to DPO.
 *
 *   loss = -log pi(chosen | prompt) / tokens(chosen)
 *   implied rewards: the policy's log-probs of each completion per token
 *
 * No options; to weigh it against another objective, use the `mix` objective.
 */
export class SftObjective implements Objective {
  readonly name = 'sft';
  readonly usesReference = false;

  constructor(readonly options: SftOptions = {}) {}

  compute(input: ObjectiveInput): ObjectiveOutput {
    return tf.tidy(() => {
      const perToken = (logProbs: tf.Tensor1D, tokens: tf.Tensor1D) =>
        tf.div<tf.Tensor1D>(
          tf.cast(logProbs, 'float32'),
          tf.maximum(tf.cast(tokens, 'float32'), 1),
        );
      const chosen = perToken(input.policy.chosen, input.chosenTokens);
      return {
        losses: tf.neg(chosen),
        chosenRewards: chosen,
        rejectedRewards: perToken(input.policy.rejected, input.rejectedTokens),
      };
    });
  }
}
