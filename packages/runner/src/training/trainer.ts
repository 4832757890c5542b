import {
  deriveSeed,
  type Logger,
  lengthGroupedBatches,
  type Objective,
  type Policy,
  rowLength,
  seededRandom,
  tf,
  UserError,
} from '@prefopt/core';
import { inject, injectable } from 'tsyringe';
import { type RunData, type RunReference, Tokens, type TrainerSettings } from '../tokens.js';
import { Adam } from './adam.js';
import { CheckpointStore } from './checkpoint.js';
import { MetricsLog, type MetricsRecord } from './metrics-log.js';
import type { Progress } from './progress.js';
import { learningRateAt } from './schedule.js';
import {
  batchFigures,
  type StepParts,
  shardGradients,
  shardLossAndFigures,
  shardOf,
} from './shard.js';
import type { TrainingThreads } from './threads.js';

/** How a call to `train` ended. */
export interface TrainResult {
  readonly step: number;
  readonly total: number;
  /** True when a signal stopped the run before its last step (a checkpoint was written). */
  readonly interrupted: boolean;
}

/** Splits indices into `count` runs of consecutive ones, as even as can be; none empty. */
export function contiguousShares(indices: readonly number[], count: number): number[][] {
  const shares: number[][] = [];
  let start = 0;
  for (let k = 0; k < count; k++) {
    const end = start + Math.ceil((indices.length - start) / (count - k));
    if (end > start) shares.push(indices.slice(start, end));
    start = end;
  }
  return shares;
}

/**
 * Trains a policy on preference pairs with an objective, both handed in by
 * the run's container, logging metrics every step and checkpointing so
 * that an interrupted run continues exactly where it stopped.
 *
 * Each optimizer step takes `gradientAccumulation` micro-batches of
 * `batchSize` pairs in a seeded, length-grouped order that depends only on
 * the seed and the epoch. The loss is the mean over the step's pairs; pairs
 * with a soft label p count p times their loss plus (1 - p) times the loss
 * of the swapped pair. With training threads, each micro-batch is split
 * into runs of consecutive pairs, one per thread, and their gradients are
 * added in thread order, so a run is as repeatable as on one thread.
 */
@injectable()
export class Trainer {
  private readonly variables: tf.Variable[];
  private readonly optimizer: Adam;
  private readonly checkpoints: CheckpointStore;
  private readonly metrics: MetricsLog;
  private readonly parts: StepParts;

  constructor(
    @inject(Tokens.Objective) objective: Objective,
    @inject(Tokens.Policy) policy: Policy,
    @inject(Tokens.Reference) private readonly reference: RunReference,
    @inject(Tokens.Data) private readonly data: RunData,
    @inject(Tokens.Settings) private readonly settings: TrainerSettings,
    @inject(Tokens.Logger) private readonly logger: Logger,
    @inject(Tokens.Progress) private readonly progress: Progress,
    @inject(Tokens.RunDirectory) runDirectory: string,
    @inject(Tokens.Threads) private readonly threads: TrainingThreads,
  ) {
    this.parts = { objective, policy, tokenizer: data.tokenizer };
    const { training } = settings;
    this.variables = policy.variables.filter((variable) => variable.trainable);
    this.optimizer = new Adam(this.variables, {
      beta1: training.beta1,
      beta2: training.beta2,
      epsilon: 1e-8,
      weightDecay: training.weightDecay,
      decoupled: training.optimizer === 'adamw',
    });
    this.checkpoints = new CheckpointStore(runDirectory);
    this.metrics = new MetricsLog(runDirectory);
  }

  /** Optimizer steps in one pass over the training pairs (a last partial step is dropped). */
  stepsPerEpoch(): number {
    const { batchSize, gradientAccumulation } = this.settings.training;
    return Math.floor(Math.ceil(this.data.train.length / batchSize) / gradientAccumulation);
  }

  totalSteps(): number {
    const { steps, epochs } = this.settings.training;
    return steps ?? this.stepsPerEpoch() * (epochs ?? 1);
  }

  /** The micro-batches (pair indices) of an epoch, in its seeded order. */
  private epochBatches(epoch: number): number[][] {
    const lengths = this.data.train.map((pair) =>
      Math.max(
        rowLength({ prompt: pair.prompt, completion: pair.chosen }),
        rowLength({ prompt: pair.prompt, completion: pair.rejected }),
      ),
    );
    const random = seededRandom(deriveSeed(this.settings.seed, `epoch-${epoch}`));
    return lengthGroupedBatches(lengths, this.settings.training.batchSize, random);
  }

  /**
   * Trains to the last step, resuming from the run's newest checkpoint if
   * it has one. Stops early, after checkpointing, when `signal` aborts.
   */
  async train(signal?: AbortSignal): Promise<TrainResult> {
    const total = this.totalSteps();
    if (this.stepsPerEpoch() === 0) {
      const { batchSize, gradientAccumulation } = this.settings.training;
      throw new UserError(
        `training: ${this.data.train.length} training pairs make no full step of ` +
          `${gradientAccumulation} micro-batch(es) of ${batchSize}; lower training.batchSize`,
      );
    }

    let { step, epoch, batch } = await this.resume();
    if (step >= total) return { step, total, interrupted: false };
    let batches = this.epochBatches(epoch);
    const { evalEvery, checkpointEvery, gradientAccumulation } = this.settings.training;

    while (step < total) {
      if (signal?.aborted) {
        await this.checkpoint(step, epoch, batch, false);
        this.progress.end();
        return { step, total, interrupted: true };
      }
      if (batch + gradientAccumulation > batches.length) {
        epoch += 1;
        batch = 0;
        batches = this.epochBatches(epoch);
      }

      const micro = batches.slice(batch, batch + gradientAccumulation);
      batch += gradientAccumulation;
      step += 1;
      const record = await this.step(step, total, epoch, micro);
      await this.metrics.append(record);
      this.progress.step(step, total, record);

      if (evalEvery > 0 && step % evalEvery === 0 && step < total) await this.evaluate(step);
      if (checkpointEvery > 0 && step % checkpointEvery === 0 && step < total) {
        await this.checkpoint(step, epoch, batch, false);
      }
    }

    await this.evaluate(step);
    await this.checkpoint(step, epoch, batch, true);
    this.progress.end();
    return { step, total, interrupted: false };
  }

  /** Restores the newest checkpoint, if any; returns where to go on from. */
  private async resume(): Promise<{ step: number; epoch: number; batch: number }> {
    const checkpoint = await this.checkpoints.load();
    if (checkpoint === undefined) {
      // A run killed before its first checkpoint starts over: drop its metrics.
      await this.metrics.truncateAfter(0);
      return { step: 0, epoch: 0, batch: 0 };
    }

    const { state } = checkpoint;
    if (state.configDigest !== this.settings.configDigest) {
      throw new UserError(
        `${this.checkpoints.directory}: the checkpoint is from another config; ` +
          'resume with the run config, or train into a new output directory',
      );
    }
    for (const variable of this.variables) {
      const saved = checkpoint.weights[variable.name];
      if (saved === undefined)
        throw new UserError(`${this.checkpoints.directory}: no weights for ${variable.name}`);
      variable.assign(saved);
    }
    this.optimizer.restore(checkpoint.moments, state.step);
    this.checkpointed = state.step;
    tf.dispose([...Object.values(checkpoint.weights), ...Object.values(checkpoint.moments)]);
    await this.metrics.truncateAfter(state.step);
    this.logger.info(`resumed from step ${state.step}`);
    return { step: state.step, epoch: state.epoch, batch: state.batch };
  }

  /** The step of the newest checkpoint on disk, so a step is never written twice. */
  private checkpointed = -1;

  private async checkpoint(step: number, epoch: number, batch: number, complete: boolean) {
    if (step === this.checkpointed && !complete) return;
    this.checkpointed = step;
    const weights = this.variables.map((variable) => ({ name: variable.name, tensor: variable }));
    const state = { step, epoch, batch, configDigest: this.settings.configDigest, complete };
    const moments = this.optimizer.moments();
    const directory = await this.checkpoints
      .save(state, weights, moments, this.settings.config)
      .finally(() => tf.dispose(moments.map(({ tensor }) => tensor)));
    this.progress.event(`checkpoint at step ${step}: ${directory}`);
  }

  /** One optimizer step over some micro-batches; returns its metrics line. */
  private async step(
    step: number,
    total: number,
    epoch: number,
    micro: readonly number[][],
  ): Promise<MetricsRecord> {
    const started = performance.now();
    const pairCount = micro.reduce((sum, indices) => sum + indices.length, 0);
    const sums = new Float64Array(batchFigures.length);
    let gradients: tf.Tensor[] | undefined;
    const add = (next: tf.Tensor[]) => {
      if (gradients === undefined) {
        gradients = next;
        return;
      }
      const previous = gradients;
      gradients = tf.tidy(() => previous.map((g, i) => tf.add(g, next[i] as tf.Tensor)));
      tf.dispose([...previous, ...next]);
    };
    const addFigures = (figures: Float64Array) => {
      figures.forEach((value, i) => {
        sums[i] = (sums[i] ?? 0) + value;
      });
    };

    try {
      for (const indices of micro) {
        // This thread takes the last share, the smallest, since it also adds
        // the others' gradients and runs the optimizer.
        const shares = contiguousShares(indices, this.threads.count + 1);
        const own = shares.pop() ?? [];
        const shard = (share: number[]) => shardOf(this.data.train, share, this.reference.train);
        // The other threads start on their shares while this one computes its own.
        const pending = this.threads.gradients(shares.map(shard), pairCount);
        pending.catch(() => {});
        const local = shardGradients(this.parts, this.variables, shard(own), pairCount);
        const results = await pending.catch((error: unknown) => {
          tf.dispose(local.gradients);
          throw error;
        });
        // Added in share order, whichever thread computed which.
        for (const result of results) {
          add(result.gradients.map((values, i) => tf.tensor(values, this.variables[i]?.shape)));
          addFigures(result.figures);
        }
        add(local.gradients);
        addFigures(local.figures);
      }
    } catch (error) {
      if (gradients !== undefined) tf.dispose(gradients);
      throw error;
    }

    const finalGradients = gradients ?? [];
    const norm = tf.tidy(() =>
      Math.sqrt(
        finalGradients.reduce(
          (sum, gradient) => sum + (tf.sum(tf.square(gradient)).dataSync()[0] ?? 0),
          0,
        ),
      ),
    );
    const { clipNorm } = this.settings.training;
    const scale = clipNorm !== undefined && norm > clipNorm ? clipNorm / norm : 1;
    const learningRate = learningRateAt(step, total, this.settings.training);
    this.optimizer.apply(finalGradients, learningRate, scale);
    tf.dispose(finalGradients);

    const seconds = (performance.now() - started) / 1000;
    const record: Record<string, number> = { step, epoch };
    batchFigures.forEach((name, i) => {
      record[name] = (sums[i] ?? 0) / pairCount;
    });
    record.grad_norm = norm;
    record.learning_rate = learningRate;
    record.pairs_per_second = pairCount / seconds;
    return record as MetricsRecord;
  }

  /** Loss and reward figures on the held-out pairs, logged with an `eval/` prefix. */
  private async evaluate(step: number): Promise<void> {
    const pairs = this.data.eval;
    if (pairs.length === 0) return;
    const { batchSize } = this.settings.training;
    const sums = new Float64Array(batchFigures.length);

    for (let start = 0; start < pairs.length; start += batchSize) {
      const indices = pairs.slice(start, start + batchSize).map((_, k) => start + k);
      const shard = shardOf(pairs, indices, this.reference.eval);
      const figures = tf.tidy(() => shardLossAndFigures(this.parts, shard).figures);
      figures.dataSync().forEach((value, i) => {
        sums[i] = (sums[i] ?? 0) + value;
      });
      figures.dispose();
    }

    const record: Record<string, number> = { step };
    batchFigures.forEach((name, i) => {
      record[`eval/${name}`] = (sums[i] ?? 0) / pairs.length;
    });
    await this.metrics.append(record as MetricsRecord);
    this.progress.event(
      `eval at step ${step}: loss ${record['eval/loss']?.toFixed(4)}, ` +
        `accuracy ${record['eval/rewards/accuracies']?.toFixed(3)}`,
    );
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
