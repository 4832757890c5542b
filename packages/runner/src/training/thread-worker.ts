// A training thread: builds the run's objective and policy from its config,
// then computes the gradients of the shards the main thread sends it.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { type Objective, selectBackend, silentLogger, tf, UserError } from '@prefopt/core';
import { createRunParts } from '../compose.js';
import { validateConfig } from '../run-directory.js';
import { type StepParts, shardGradients } from './shard.js';
import {
  type FromThread,
  type Layout,
  type ThreadRecipe,
  type ToThread,
  viewsOf,
} from './threads.js';

interface ThreadData {
  readonly recipe: ThreadRecipe;
  readonly layout: Layout;
  readonly weightBuffer: SharedArrayBuffer;
  readonly gradientBuffer: SharedArrayBuffer;
}

const port = parentPort;
if (port === null) throw new Error('thread-worker runs as a worker thread only');
const { recipe, layout, weightBuffer, gradientBuffer } = workerData as ThreadData;
const post = (message: FromThread) => port.postMessage(message);
const failed = (error: unknown): FromThread => ({
  type: 'failed',
  message: error instanceof Error ? error.message : String(error),
  userError: error instanceof UserError,
});

async function build(): Promise<{ parts: StepParts; variables: tf.Variable[] }> {
  const { config, registry } = await validateConfig(
    { ...recipe.config },
    'run config',
    recipe.baseDirectory,
  );
  await selectBackend(recipe.backend, silentLogger);
  const context = { logger: silentLogger, seed: config.seed, baseDirectory: recipe.baseDirectory };
  // The weights come from the main thread at every step, so `init` is not loaded here.
  const { policy, trainDataset } = await createRunParts(
    { ...config, init: undefined },
    registry,
    context,
  );
  const objective = (await registry
    .resolve('objective', config.objective.name)
    .create(config.objective.options, context)) as Objective;
  const variables = policy.variables.filter((variable) => variable.trainable);
  const shapes = variables.map((variable) => variable.shape.join('x')).join(', ');
  if (shapes !== layout.shapes.map((shape) => shape.join('x')).join(', ')) {
    throw new Error(`the policy built here has other variables than the main thread's: ${shapes}`);
  }
  return { parts: { objective, policy, tokenizer: trainDataset.tokenizer }, variables };
}

try {
  const { parts, variables } = await build();
  const weights = viewsOf(weightBuffer, layout);
  const gradients = viewsOf(gradientBuffer, layout);
  port.on('message', (message: ToThread) => {
    try {
      variables.forEach((variable, i) => {
        // A copy: the main thread writes the next step's weights into the shared buffer.
        const values = tf.tensor((weights[i] as Float32Array).slice(), variable.shape);
        variable.assign(values);
        values.dispose();
      });
      const result = shardGradients(parts, variables, message.shard, message.pairCount);
      result.gradients.forEach((gradient, i) => {
        gradients[i]?.set(gradient.dataSync() as Float32Array);
      });
      tf.dispose(result.gradients);
      post({ type: 'done', figures: result.figures });
    } catch (error) {
      post(failed(error));
    }
  });
  post({ type: 'ready' });
} catch (error) {
  post(failed(error));
}
