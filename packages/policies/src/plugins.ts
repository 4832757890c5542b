import { resolve } from 'node:path';
import {
  deriveSeed,
  type Infer,
  number,
  object,
  optional,
  type PolicyPlugin,
  string,
  UserError,
} from '@prefopt/core';
import { LayersModelPolicy, loadLayersModelFile } from './layers-model.js';
import { type TabularOptions, TabularPolicy, tabularOptions } from './tabular.js';
import { type TransformerOptions, TransformerPolicy, transformerOptions } from './transformer.js';

export const transformer: PolicyPlugin<TransformerOptions> = {
  kind: 'policy',
  name: 'transformer',
  summary: 'a small causal decoder-only transformer written with TensorFlow.js ops',
  options: transformerOptions,
  create: (options, context) =>
    TransformerPolicy.create(options, context.tokenizer, deriveSeed(context.seed, 'policy')),
};

export const tabular: PolicyPlugin<TabularOptions> = {
  kind: 'policy',
  name: 'tabular',
  summary: 'a softmax over N candidate completions for each of K prompts (the bandit task)',
  options: tabularOptions,
  create(options, context) {
    if (options.start === 'uniform') return TabularPolicy.create(options, context.tokenizer);
    const task = context.dataset as
      | { referenceProbabilities?: readonly (readonly number[])[] }
      | undefined;
    if (task?.referenceProbabilities === undefined) {
      throw new UserError(
        "policy.start: 'task' needs a dataset with a reference distribution, such as bandit",
      );
    }
    const logits = task.referenceProbabilities.map((row) => row.map(Math.log));
    return TabularPolicy.create(options, context.tokenizer, logits);
  },
};

export const layersModelOptions = object({
  path: string({
    description: 'model.json of a tf.LayersModel from token ids to next-token logits',
  }),
  contextLength: optional(
    number({
      description: 'longest row in tokens; default: the model input length',
      integer: true,
      atLeast: 2,
    }),
  ),
});

export type LayersModelOptions = Infer<typeof layersModelOptions>;

export const layersModel: PolicyPlugin<LayersModelOptions> = {
  kind: 'policy',
  name: 'layers-model',
  summary: 'your own tf.LayersModel (saved as model.json) mapping token ids to next-token logits',
  options: layersModelOptions,
  async create(options, context) {
    const model = await loadLayersModelFile(resolve(context.baseDirectory, options.path));
    return new LayersModelPolicy(model, context.tokenizer, options.contextLength);
  },
};

/** Every policy this package provides, for the runner to register. */
export const policyPlugins = [transformer, tabular, layersModel];
