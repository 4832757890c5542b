import { dirname, resolve } from 'node:path';
import { type Logger, type PluginContext, selectBackend, UserError } from '@prefopt/core';
import { createRunParts, type RunParts } from './compose.js';
import { readConfigFile } from './config.js';
import type { RunConfig } from './run-config.js';
import { openRun, validateConfig } from './run-directory.js';
import { CheckpointStore, readWeights } from './training/checkpoint.js';

/** Where a policy comes from: a run (its newest checkpoint) or a config (its starting policy). */
export interface PolicySource {
  readonly run?: string;
  readonly config?: string;
}

export interface LoadedPolicy extends RunParts {
  readonly config: RunConfig;
}

/**
 * A policy and its run's datasets, on the config's backend: a run's newest
 * weights, or the policy a config starts from (after `init`). The caller
 * disposes the policy.
 */
export async function loadPolicy(
  source: PolicySource,
  logger: Logger,
  command: string,
): Promise<LoadedPolicy> {
  if ((source.run === undefined) === (source.config === undefined)) {
    throw new UserError(`${command}: give --run RUN_DIR or --config FILE (one of them)`);
  }
  let opened: {
    config: RunConfig;
    registry: import('@prefopt/core').PluginRegistry;
    baseDirectory: string;
  };
  if (source.run !== undefined) {
    opened = await openRun(source.run);
  } else {
    const file = await readConfigFile(source.config as string);
    const baseDirectory = dirname(resolve(file.path));
    opened = { ...(await validateConfig(file.sections, file.path, baseDirectory)), baseDirectory };
  }
  const { config, registry, baseDirectory } = opened;

  await selectBackend(config.backend, logger);
  const context: PluginContext = { logger, seed: config.seed, baseDirectory };
  const parts = await createRunParts(config, registry, context);
  if (source.run === undefined) return { ...parts, config };

  try {
    const checkpoint = await new CheckpointStore(resolve(source.run)).latestDirectory();
    if (checkpoint === undefined)
      throw new UserError(`${resolve(source.run)}: the run has no checkpoint yet`);
    const weights = await readWeights(checkpoint, 'policy').catch((error: unknown) => {
      throw new UserError(
        `${checkpoint}: the checkpoint cannot be read (${(error as Error).message})`,
      );
    });
    for (const variable of parts.policy.variables) {
      const saved = weights[variable.name];
      if (saved !== undefined) variable.assign(saved);
    }
    for (const tensor of Object.values(weights)) tensor.dispose();
    logger.info(`policy of ${checkpoint}`);
    return { ...parts, config };
  } catch (error) {
    parts.policy.dispose();
    throw error;
  }
}
