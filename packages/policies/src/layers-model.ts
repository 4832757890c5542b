import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  completionScores,
  type Policy,
  type SampleOptions,
  type Scores,
  type SpecialTokens,
  type TokenBatch,
  tf,
  UserError,
} from '@prefopt/core';
import { sampleCompletions } from './sampling.js';

type Special = SpecialTokens & { readonly vocabularySize: number };

/**
 * Wraps a user's tf.LayersModel that maps token ids [B, T] to next-token
 * logits [B, T, V], so an existing model trains here. A model with a fixed
 * input length gets its rows padded to that length and its logits cut back.
 *
 * Limitation: snapshot() rebuilds the model from its config, so custom
 * layers must be registered with tf.serialization.registerClass.
 */
export class LayersModelPolicy implements Policy {
  readonly vocabularySize: number;
  readonly contextLength: number;
  readonly variables: readonly tf.Variable[];
  private readonly fixedLength: number | undefined;

  constructor(
    readonly model: tf.LayersModel,
    readonly special: Special,
    contextLength?: number,
  ) {
    const inputLength = model.inputs[0]?.shape[1];
    this.fixedLength = typeof inputLength === 'number' ? inputLength : undefined;
    const length = contextLength ?? this.fixedLength;
    if (length === undefined) {
      throw new RangeError(
        'layers-model: give a context length for a model with variable input length',
      );
    }
    this.contextLength = length;
    this.vocabularySize = special.vocabularySize;
    this.variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  }

  logits(ids: tf.Tensor2D): tf.Tensor3D {
    const [batch, length] = ids.shape;
    return tf.tidy(() => {
      const width = this.fixedLength ?? length;
      const input =
        width > length
          ? tf.pad(
              ids,
              [
                [0, 0],
                [0, width - length],
              ],
              this.special.paddingId,
            )
          : ids;
      const output = this.model.apply(input, { training: false }) as tf.Tensor;
      if (output.rank !== 3 || output.shape[2] !== this.vocabularySize) {
        throw new UserError(
          `layers-model: the model must output logits [batch, length, ${this.vocabularySize}], ` +
            `got [${output.shape.join(', ')}]`,
        );
      }
      return tf.slice(output as tf.Tensor3D, [0, 0, 0], [batch, length, this.vocabularySize]);
    });
  }

  score(batch: TokenBatch): Scores {
    return tf.tidy(() => ({ ...completionScores(this.logits(batch.ids), batch) }));
  }

  snapshot(): LayersModelPolicy {
    const className = this.model.getClassName();
    const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
    if (entry === undefined) {
      throw new UserError(
        `layers-model: cannot rebuild a model of class ${className} for a snapshot`,
      );
    }
    const [modelClass, fromConfig] = entry;
    const copy = fromConfig(modelClass, this.model.getConfig()) as tf.LayersModel;
    copy.setWeights(this.model.getWeights());
    copy.trainable = false;
    return new LayersModelPolicy(copy, this.special, this.contextLength);
  }

  sample(prompts: readonly (readonly number[])[], options: SampleOptions): number[][] {
    return sampleCompletions(this, prompts, options);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Loads a LayersModel saved in the TensorFlow.js format (model.json and its
 * weight files) with plain file reads, so no tfjs-node file handler is needed.
 */
export async function loadLayersModelFile(path: string): Promise<tf.LayersModel> {
  let manifest: {
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    manifest = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(`${path}: cannot read the model (${reason})`);
  }

  const groups = manifest.weightsManifest ?? [];
  const weightSpecs = groups.flatMap((group) => group.weights);
  const buffers: Buffer[] = [];
  for (const file of groups.flatMap((group) => group.paths)) {
    try {
      buffers.push(await readFile(join(dirname(path), file)));
    } catch {
      throw new UserError(`${path}: cannot read its weight file ${file}`);
    }
  }
  const joined = Buffer.concat(buffers);
  const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);

  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: manifest.modelTopology as object, weightSpecs, weightData }),
  );
}
