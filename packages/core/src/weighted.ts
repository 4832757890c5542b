import * as tf from '@tensorflow/tfjs';
import type { Objective, ObjectiveInput, ObjectiveOutput } from './objective.js';

/** One term of a weighted objective. */
export interface WeightedPart {
  readonly objective: Objective;
  readonly weight: number;
}

/**
 * A weighted sum of objectives, such as DPO plus a likelihood term on the
 * chosen completion: loss = sum of weight_i * loss_i. The implied rewards
 * are those of the first part. It needs the reference if any part does;
 * parts that do not are given none.
 */
export class WeightedObjective implements Objective {
  readonly name: string;
  readonly usesReference: boolean;

  constructor(readonly parts: readonly WeightedPart[]) {
    if (parts.length === 0) throw new RangeError('a weighted objective needs at least one part');
    this.name = parts.map((part) => `${part.weight}*${part.objective.name}`).join(' + ');
    this.usesReference = parts.some((part) => part.objective.usesReference);
  }

  compute(input: ObjectiveInput): ObjectiveOutput {
    return tf.tidy(() => {
      const { reference: _reference, ...withoutReference } = input;
      const outputs = this.parts.map((part) =>
        part.objective.compute(part.objective.usesReference ? input : withoutReference),
      );
      const losses = outputs
        .map((output, i) => tf.mul<tf.Tensor1D>(this.parts[i]?.weight ?? 0, output.losses))
        .reduce((sum, term) => tf.add(sum, term));
      const first = outputs[0] as ObjectiveOutput;
      return { losses, chosenRewards: first.chosenRewards, rejectedRewards: first.rejectedRewards };
    });
  }
}
