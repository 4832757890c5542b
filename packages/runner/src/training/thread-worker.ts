// A training thread: builds the run's objective and policy from its config,
// then computes the gradients of the shards the main thread sends it.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { type Objective, selectBackend, silentLogger, tf, UserError } from '@prefopt/core';
import { createRunParts } from '../compose.js';
import { validateConfig } from '../run-directory.js';
import { type StepParts, shardGradients } from './shard.js';
import { type FromThread, layoutOf, type ThreadData, type ToThread, viewsOf } from './threads.js';

const port = parentPort;
if (port === null) throw new Error('thread-worker runs as a worker thread only');
const { recipe, layout, trainable, weightBuffer, gradientBuffer } = workerData as ThreadData;
const post = (message: FromThread) => port.postMessage(message);
const failed = (error: unknown): FromThread => ({
  type: 'failed',
  message: error instanceof Error ? error.message : String(error),
  stack: error instanceof Error ? error.stack : undefined,
  userError: error instanceof UserError,
});

async function build(): Promise<{ parts: StepParts; variables: readonly tf.Variable[] }> {
  const { config, registry } = await validateConfig(
    { ...recipe.config },
    'run config',
    recipe.baseDirectory,
  );
  await selectBackend(recipe.backend, silentLogger);
  const context = { logger: silentLogger, seed: config.seed, baseDirectory: recipe.baseDirectory };
  // Every weight comes from the main thread, so `init` is not loaded here.
  const { policy, trainDataset } = await createRunParts(
    { ...config, init: undefined },
    registry,
    context,
  );
  const objective = (await registry
    .resolve('objective', config.objective.name)
    .create(config.objective.options, context)) as Objective;
  const describe = (shapes: readonly (readonly number[])[], train: readonly boolean[]) =>
    shapes.map((shape, i) => `${shape.join('x')}${train[i] ? '' : ' (frozen)'}`).join(', ');
  const here = describe(
    policy.variables.map((variable) => variable.shape),
    policy.variables.map((variable) => variable.trainable),
  );
  if (here !== describe(layout.shapes, trainable)) {
    throw new Error(`the policy built here has other variables than the main thread's: ${here}`);
  }
  return {
    parts: { objective, policy, tokenizer: trainDataset.tokenizer },
    variables: policy.variables,
  };
}

try {
  const { parts, variables } = await build();
  const training = variables.filter((variable) => variable.trainable);
  const weights = viewsOf(weightBuffer, layout);
  const gradients = viewsOf(gradientBuffer, layoutOf(training));
  port.on('message', (message: ToThread) => {
    try {
      variables.forEach((variable, i) => {
        if (!message.allWeights && !variable.trainable) return;
        // A copy: the main thread writes the next step's weights into the shared buffer.
        const values = tf.tensor((weights[i] as Float32Array).slice(), variable.shape);
        variable.assign(values);
        values.dispose();
      });
      const result = shardGradients(parts, training, message.shard, message.pairCount);
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
