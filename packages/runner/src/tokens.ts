import type { TokenizedPair, Tokenizer } from '@prefopt/core';
import type { ReferenceLogProbs } from '@prefopt/policies';
import type { TrainingOptions } from './run-config.js';

/**
 * Names under which a run's parts are registered in its child container.
 * The trainer asks for these, never for an objective or policy by name.
 */
export const Tokens = {
  Objective: Symbol('prefopt.objective'),
  Policy: Symbol('prefopt.policy'),
  Reference: Symbol('prefopt.reference'),
  Data: Symbol('prefopt.data'),
  Settings: Symbol('prefopt.settings'),
  Logger: Symbol('prefopt.logger'),
  RunDirectory: Symbol('prefopt.run-directory'),
  Progress: Symbol('prefopt.progress'),
  Threads: Symbol('prefopt.threads'),
} as const;

/** The pairs of a run, tokenized and held in memory. */
export interface RunData {
  readonly tokenizer: Tokenizer;
  readonly train: readonly TokenizedPair[];
  /** Held-out pairs for evaluation; may be empty. */
  readonly eval: readonly TokenizedPair[];
}

/** The reference model's cached log-probs; both absent for a reference-free objective. */
export interface RunReference {
  readonly train?: ReferenceLogProbs;
  readonly eval?: ReferenceLogProbs;
}

/** How to train, and what identifies the run for checkpoints. */
export interface TrainerSettings {
  readonly training: TrainingOptions;
  readonly seed: number;
  /** Digest of the run config; a checkpoint from another config is refused. */
  readonly configDigest: string;
  /** The run config as a config file would hold it, saved with each checkpoint. */
  readonly config: Readonly<Record<string, unknown>>;
}
