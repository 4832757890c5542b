import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import {
  deriveSeed,
  type Logger,
  type Objective,
  type PluginContext,
  type PluginRegistry,
  type Policy,
  type PreferenceDataset,
  type SpecialTokens,
  seededRandom,
  selectBackend,
  shuffled,
  type TokenizedPair,
  tf,
  UserError,
} from '@prefopt/core';
import { ReferenceCache } from '@prefopt/policies';
import type { DependencyContainer } from 'tsyringe';
import type { PluginChoice, RunConfig } from './run-config.js';
import { type RunData, type RunReference, Tokens, type TrainerSettings } from './tokens.js';
import { CheckpointStore, readWeights } from './training/checkpoint.js';
import type { Progress } from './training/progress.js';
import {
  mainThreadOnly,
  microBatchWork,
  type ThreadRecipe,
  type TrainingThreads,
  threadCount,
  WorkerThreads,
} from './training/threads.js';

/** The config in the shape a config file has: each plugin section `{name, ...options}`. */
export function rawConfig(config: RunConfig): Record<string, unknown> {
  const section = (choice: PluginChoice) => ({ name: choice.name, ...choice.options });
  return {
    ...config,
    objective: section(config.objective),
    policy: section(config.policy),
    data: {
      train: section(config.data.train),
      ...(config.data.eval === undefined ? {} : { eval: section(config.data.eval) }),
      evalFraction: config.data.evalFraction,
    },
  };
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, entry]) => entry !== undefined)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, entry]) => [key, canonical(entry)]),
    );
  }
  return value;
}

/**
 * A digest of what a run computes: the config without where its output goes
 * or how many threads share a step (which changes only float32 rounding, and
 * under `auto` differs from machine to machine).
 */
export function configDigest(config: RunConfig): string {
  const { output: _output, ...rest } = rawConfig(config);
  const { threads: _threads, ...training } = config.training;
  rest.training = training;
  return createHash('sha256')
    .update(JSON.stringify(canonical(rest)))
    .digest('hex')
    .slice(0, 16);
}

async function collect(iterable: AsyncIterable<TokenizedPair>): Promise<TokenizedPair[]> {
  const pairs: TokenizedPair[] = [];
  for await (const pair of iterable) pairs.push(pair);
  return pairs;
}

/** Where a run's parts come from, beside its config. */
export interface RunEnvironment {
  readonly logger: Logger;
  readonly progress: Progress;
  /** Where relative paths in the config are resolved from. */
  readonly baseDirectory: string;
  readonly runDirectory: string;
}

/**
 * Sets a policy's weights to the final ones of another run. `key` names the
 * config key that asked for it, for errors.
 */
async function loadRunWeights(
  policy: Policy,
  directory: string,
  baseDirectory: string,
  logger: Logger,
  key: 'init' | 'reference.run',
) {
  const runDirectory = resolve(baseDirectory, directory);
  const checkpoint = await new CheckpointStore(runDirectory).latestDirectory();
  if (checkpoint === undefined) {
    throw new UserError(`${key}: ${runDirectory} has no checkpoint to load`);
  }
  const weights = await readWeights(checkpoint, 'policy').catch((error: unknown) => {
    throw new UserError(`${key}: ${checkpoint} cannot be read (${(error as Error).message})`);
  });
  for (const variable of policy.variables) {
    const saved = weights[variable.name];
    if (saved === undefined || saved.shape.join() !== variable.shape.join()) {
      throw new UserError(
        `${key}: ${checkpoint} has no weights of shape [${variable.shape}] for ${variable.name}; ` +
          'the policy options must match that run',
      );
    }
    variable.assign(saved);
  }
  Object.values(weights).forEach((tensor) => {
    tensor.dispose();
  });
  logger.info(`${key === 'init' ? 'policy' : 'reference'} weights from ${checkpoint}`);
}

/**
 * The frozen reference model: a snapshot of the starting policy, or of the
 * final policy of the run that `reference.run` names.
 */
async function referenceSnapshot(
  policy: Policy,
  config: RunConfig,
  context: PluginContext,
): Promise<Policy> {
  if (config.reference.run === undefined) return policy.snapshot();

  const starting = policy.variables.map((variable) => tf.clone(variable));
  try {
    await loadRunWeights(
      policy,
      config.reference.run,
      context.baseDirectory,
      context.logger,
      'reference.run',
    );
    return policy.snapshot();
  } finally {
    policy.variables.forEach((variable, i) => {
      variable.assign(starting[i] as tf.Tensor);
    });
    tf.dispose(starting);
  }
}

/** A run's datasets and its policy, created from their plugins. */
export interface RunParts {
  readonly trainDataset: PreferenceDataset;
  readonly evalDataset: PreferenceDataset | undefined;
  readonly policy: Policy;
}

/**
 * Creates the datasets and the policy a config names, the policy started
 * from another run's weights when the config says `init`.
 */
export async function createRunParts(
  config: RunConfig,
  registry: PluginRegistry,
  context: PluginContext,
): Promise<RunParts> {
  const createDataset = (choice: PluginChoice) =>
    registry
      .resolve('dataset', choice.name)
      .create(choice.options, context) as Promise<PreferenceDataset>;
  const trainDataset = await createDataset(config.data.train);
  const evalDataset =
    config.data.eval === undefined ? undefined : await createDataset(config.data.eval);
  if (
    evalDataset !== undefined &&
    evalDataset.tokenizer.vocabularySize !== trainDataset.tokenizer.vocabularySize
  ) {
    throw new UserError('data.eval: its tokenizer differs from that of data.train');
  }

  const policy = (await registry
    .resolve('policy', config.policy.name)
    .create(config.policy.options, {
      ...context,
      tokenizer: trainDataset.tokenizer,
      dataset: trainDataset,
    })) as Policy;
  if (config.init !== undefined) {
    await loadRunWeights(policy, config.init, context.baseDirectory, context.logger, 'init').catch(
      (error: unknown) => {
        policy.dispose();
        throw error;
      },
    );
  }
  return { trainDataset, evalDataset, policy };
}

/** The training pairs and the held-out ones: data.eval, or a seeded share of data.train. */
async function loadPairs(
  config: RunConfig,
  parts: RunParts,
  logger: Logger,
): Promise<{ train: TokenizedPair[]; held: TokenizedPair[] }> {
  const limits = { contextLength: parts.policy.contextLength };
  let train = await collect(parts.trainDataset.pairs(limits));
  let held: TokenizedPair[] = [];
  if (parts.evalDataset !== undefined) {
    held = await collect(parts.evalDataset.pairs(limits));
  } else if (config.data.evalFraction > 0) {
    const order = shuffled(
      train.map((_, i) => i),
      seededRandom(deriveSeed(config.seed, 'eval-split')),
    );
    const heldOut = new Set(order.slice(0, Math.round(train.length * config.data.evalFraction)));
    held = train.filter((_, i) => heldOut.has(i));
    train = train.filter((_, i) => !heldOut.has(i));
  }
  if (train.length === 0) throw new UserError('data.train: the dataset has no pairs');
  logger.info(`data: ${train.length} training pairs, ${held.length} held out`);
  return { train, held };
}

/** The reference's log-probs of both sets of pairs, scored once and cached in the run directory. */
async function scoreReference(
  config: RunConfig,
  policy: Policy,
  pairs: { train: TokenizedPair[]; held: TokenizedPair[] },
  special: SpecialTokens,
  context: PluginContext,
  runDirectory: string,
): Promise<RunReference> {
  const snapshot = await referenceSnapshot(policy, config, context);
  try {
    const cache = new ReferenceCache();
    const options = {
      batchSize: config.reference.batchSize,
      directory: runDirectory,
      logger: context.logger,
    };
    const empty = { chosen: new Float32Array(0), rejected: new Float32Array(0) };
    return {
      train: await cache.logProbs(snapshot, pairs.train, special, options),
      eval:
        pairs.held.length === 0
          ? empty
          : await cache.logProbs(snapshot, pairs.held, special, options),
    };
  } finally {
    snapshot.dispose();
  }
}

/** The threads that share each step, as `training.threads` and the backend say. */
async function startThreads(
  config: RunConfig,
  policy: Policy,
  recipe: ThreadRecipe,
  logger: Logger,
): Promise<TrainingThreads> {
  const work = microBatchWork(policy.variables, policy.contextLength, config.training.batchSize);
  const count = threadCount(config.training.threads, recipe.backend, work);
  if (count === 1) return mainThreadOnly;
  const threads = await WorkerThreads.start(count - 1, recipe, policy.variables);
  logger.info(`training on ${count} threads`);
  return threads;
}

/**
 * Builds a run in its own child container: backend, datasets, policy
 * (optionally started from another run's weights), objective, and the
 * reference log-probs, computed once from a frozen snapshot of the
 * reference model and kept in the run directory. Registers each part
 * under its token, so the trainer is composed by injection.
 */
export async function composeRun(
  config: RunConfig,
  registry: PluginRegistry,
  environment: RunEnvironment,
): Promise<DependencyContainer> {
  const { logger, baseDirectory, runDirectory } = environment;
  const { backend } = await selectBackend(config.backend, logger);
  const context: PluginContext = { logger, seed: config.seed, baseDirectory };
  const parts = await createRunParts(config, registry, context);
  const { policy, trainDataset } = parts;
  let threads: TrainingThreads = mainThreadOnly;
  try {
    const tokenizer = trainDataset.tokenizer;
    const pairs = await loadPairs(config, parts, logger);
    const objective = (await registry
      .resolve('objective', config.objective.name)
      .create(config.objective.options, context)) as Objective;
    const recipe = { config: rawConfig(config), baseDirectory, backend };
    threads = await startThreads(config, policy, recipe, logger);
    const reference = objective.usesReference
      ? await scoreReference(config, policy, pairs, tokenizer, context, runDirectory)
      : {};

    const data: RunData = { tokenizer, train: pairs.train, eval: pairs.held };
    const settings: TrainerSettings = {
      training: config.training,
      seed: config.seed,
      configDigest: configDigest(config),
      config: recipe.config,
    };
    const container = registry.container;
    container.register(Tokens.Threads, { useValue: threads });
    container.register(Tokens.Objective, { useValue: objective });
    container.register(Tokens.Policy, { useValue: policy });
    container.register(Tokens.Reference, { useValue: reference });
    container.register(Tokens.Data, { useValue: data });
    container.register(Tokens.Settings, { useValue: settings });
    container.register(Tokens.Logger, { useValue: logger });
    container.register(Tokens.Progress, { useValue: environment.progress });
    container.register(Tokens.RunDirectory, { useValue: runDirectory });
    return container;
  } catch (error) {
    // Variable names are global in tfjs: a run that fails must free its policy's.
    policy.dispose();
    await threads.close();
    throw error;
  }
}
