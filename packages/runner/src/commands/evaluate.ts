import { dirname, join, resolve } from 'node:path';
import {
  isAnswerTask,
  type Logger,
  type PluginContext,
  type PreferenceDataset,
  selectBackend,
  UserError,
} from '@prefopt/core';
import { createRunParts } from '../compose.js';
import { readConfigFile } from '../config.js';
import { type AnswerEvaluation, evaluateAnswers } from '../evaluation/index.js';
import { writeFileAtomic } from '../files.js';
import { openRun, validateConfig } from '../run-directory.js';
import { CheckpointStore, readWeights } from '../training/checkpoint.js';

export interface EvaluateArguments {
  /** A run directory: its final policy is evaluated and eval.json written there. */
  readonly run?: string;
  /** Or a config: its starting policy (after `init`) is evaluated. */
  readonly config?: string;
  readonly samples: number;
  readonly maxTokens: number;
  readonly limit?: number;
  readonly seed?: number;
}

export interface EvaluateEnvironment {
  readonly logger: Logger;
  readonly print: (text: string) => void;
  /** Progress over prompts, redrawn on a terminal. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The evaluation figures as a small table, one per line. */
export function formatEvaluation(result: AnswerEvaluation): string {
  const percent = (share: number) => `${(100 * share).toFixed(1)}%`;
  const lines = [
    `prompts              ${result.prompts} (${result.samples} samples each)`,
    `accuracy, greedy     ${percent(result.accuracyGreedy)}`,
    `accuracy, T = 1      ${percent(result.accuracySampled)}`,
    ...Object.entries(result.passAtK).map(([k, value]) => `pass@${k.padEnd(15)} ${percent(value)}`),
    `distinct answers     ${result.distinctAnswers.toFixed(2)} per prompt`,
    `entropy              ${result.entropy.toFixed(3)} nats per token`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The held-out task if it can grade answers, else the training task if it can. */
function answerTask(datasets: (PreferenceDataset | undefined)[]) {
  const task = datasets.find((dataset) => dataset !== undefined && isAnswerTask(dataset));
  if (task === undefined || !isAnswerTask(task)) {
    throw new UserError(
      'eval: neither data.eval nor data.train is a task with checkable answers (such as arithmetic)',
    );
  }
  return task;
}

/**
 * `prefopt eval`: grades a policy's own answers on a task with checkable
 * answers: greedy and sampled accuracy, pass@k, distinct answers and
 * entropy. For a run, writes them to `<run>/eval.json`.
 */
export async function evaluate(
  args: EvaluateArguments,
  environment: EvaluateEnvironment,
): Promise<number> {
  if ((args.run === undefined) === (args.config === undefined)) {
    throw new UserError('eval: give --run RUN_DIR or --config FILE (one of them)');
  }
  const opened =
    args.run !== undefined
      ? await openRun(args.run)
      : await (async () => {
          const file = await readConfigFile(args.config as string);
          const baseDirectory = dirname(resolve(file.path));
          return {
            ...(await validateConfig(file.sections, file.path, baseDirectory)),
            baseDirectory,
          };
        })();
  const { config, registry, baseDirectory } = opened;

  await selectBackend(config.backend, environment.logger);
  const context: PluginContext = { logger: environment.logger, seed: config.seed, baseDirectory };
  const { trainDataset, evalDataset, policy } = await createRunParts(config, registry, context);
  try {
    const task = answerTask([evalDataset, trainDataset]);
    if (args.run !== undefined) {
      const checkpoint = await new CheckpointStore(resolve(args.run)).latestDirectory();
      if (checkpoint === undefined)
        throw new UserError(`${resolve(args.run)}: the run has no checkpoint yet`);
      const weights = await readWeights(checkpoint, 'policy');
      for (const variable of policy.variables) {
        const saved = weights[variable.name];
        if (saved !== undefined) variable.assign(saved);
      }
      for (const tensor of Object.values(weights)) tensor.dispose();
      environment.logger.info(`evaluating the policy of ${checkpoint}`);
    }

    const result = evaluateAnswers(policy, task, {
      samples: args.samples,
      maxTokens: args.maxTokens,
      seed: args.seed ?? config.seed,
      ...(args.limit === undefined ? {} : { limit: args.limit }),
      ...(environment.onProgress === undefined ? {} : { onProgress: environment.onProgress }),
    });
    environment.print(formatEvaluation(result));
    if (args.run !== undefined) {
      const { perPrompt: _perPrompt, ...summary } = result;
      const file = join(resolve(args.run), 'eval.json');
      await writeFileAtomic(file, `${JSON.stringify(summary, null, 2)}\n`);
      environment.logger.info(`wrote ${file}`);
    }
    return 0;
  } finally {
    policy.dispose();
  }
}
