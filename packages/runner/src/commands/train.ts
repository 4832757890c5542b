import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { type Logger, type Policy, UserError } from '@prefopt/core';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { composeRun, configDigest, rawConfig } from '../compose.js';
import { readConfigFile } from '../config.js';
import { writeFileAtomic } from '../files.js';
import { applyOverride } from '../run-config.js';
import { type OpenedRun, openRun, validateConfig, writeRunFile } from '../run-directory.js';
import { Tokens } from '../tokens.js';
import type { Progress } from '../training/progress.js';
import type { TrainingThreads } from '../training/threads.js';
import { Trainer } from '../training/trainer.js';

export interface TrainArguments {
  readonly config?: string;
  readonly set?: readonly string[];
  readonly dryRun?: boolean;
  readonly resume?: string;
}

/** What `train` needs from the command line around it. */
export interface TrainEnvironment {
  readonly logger: Logger;
  /** A progress display that prints a plain line every `logEvery` steps off a terminal. */
  readonly progress: (logEvery: number) => Progress;
  readonly print: (text: string) => void;
  /** Aborted when SIGINT or SIGTERM arrives. */
  readonly signal?: AbortSignal;
}

async function resolveRun(args: TrainArguments): Promise<OpenedRun> {
  if (args.resume !== undefined) {
    const run = await openRun(args.resume);
    const { runDirectory } = run;

    if (args.config !== undefined || (args.set ?? []).length > 0) {
      const given = await fromFile(args);
      if (configDigest(given.config) !== configDigest(run.config)) {
        throw new UserError(
          `${runDirectory}: the checkpoint is from another config than ` +
            `${args.config ?? 'the --set values'}; ` +
            'resume without --config, or train into a new output directory',
        );
      }
    }
    return run;
  }
  return fromFile(args);
}

async function fromFile(args: TrainArguments): Promise<OpenedRun> {
  if (args.config === undefined)
    throw new UserError('train: give --config FILE, or --resume RUN_DIR');
  const file = await readConfigFile(args.config);
  const raw = structuredClone(file.sections);
  for (const assignment of args.set ?? [])
    applyOverride(raw, assignment, (text) => parseYaml(text));

  const baseDirectory = dirname(resolve(file.path));
  const run = await validateConfig(raw, file.path, baseDirectory);
  const name = basename(file.path, extname(file.path));
  const runDirectory = resolve(run.config.output ?? join('runs', name));
  return { ...run, baseDirectory, runDirectory };
}

/**
 * `prefopt train`: validates the whole config first, then trains into the
 * run directory, resuming from its newest checkpoint with --resume.
 * Returns the exit code: 0 when done, 130 or 143 when a signal stopped it
 * (after a checkpoint).
 */
export async function train(args: TrainArguments, environment: TrainEnvironment): Promise<number> {
  const { config, registry, baseDirectory, runDirectory } = await resolveRun(args);
  if (args.dryRun) {
    environment.print(stringifyYaml({ ...rawConfig(config), output: runDirectory }));
    return 0;
  }

  const hasRun = existsSync(join(runDirectory, 'config.json'));
  if (args.resume === undefined && hasRun) {
    throw new UserError(
      `${runDirectory} already holds a run; continue it with --resume ${runDirectory}, ` +
        'or set output to a new directory',
    );
  }

  // The data is read, and the reference scored, before the run is recorded,
  // so a bad data line leaves no half-made run behind.
  const container = await composeRun(config, registry, {
    logger: environment.logger,
    progress: environment.progress(config.training.logEvery),
    baseDirectory,
    runDirectory,
  });
  let trainer: Trainer | undefined;
  try {
    await mkdir(runDirectory, { recursive: true });
    if (!hasRun) {
      // run.json first: config.json is what marks a directory as a run.
      await writeRunFile(runDirectory, { baseDirectory });
      await writeFileAtomic(
        join(runDirectory, 'config.json'),
        `${JSON.stringify(rawConfig(config), null, 2)}\n`,
      );
    }
    trainer = container.resolve(Trainer);
    const result = await trainer.train(environment.signal);
    if (result.interrupted) {
      const reason = environment.signal?.reason;
      environment.logger.info(
        `stopped at step ${result.step} of ${result.total}; resume with --resume ${runDirectory}`,
      );
      return reason === 'SIGTERM' ? 143 : 130;
    }
    environment.logger.info(`done: ${result.step} steps; run directory ${runDirectory}`);
    return 0;
  } finally {
    trainer?.dispose();
    container.resolve<Policy>(Tokens.Policy).dispose();
    await container.resolve<TrainingThreads>(Tokens.Threads).close();
  }
}
