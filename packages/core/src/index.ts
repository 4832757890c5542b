// tsyringe needs the Reflect metadata API before it loads.
import 'reflect-metadata';

export * as tf from '@tensorflow/tfjs';
export {
  type BackendChoice,
  type BackendName,
  backendNames,
  type ConcreteBackend,
  type ModuleImporter,
  selectBackend,
} from './backend.js';
export { lengthGroupedBatches } from './batching.js';
export {
  type CollatedRows,
  collatePairs,
  collateRows,
  collateSharedPairs,
  type PromptCompletion,
  rowLength,
  type SpecialTokens,
  toTokenBatch,
} from './collate.js';
export {
  type AnswerTask,
  isAnswerTask,
  type Message,
  type PairOptions,
  type PreferenceDataset,
  type PreferencePair,
  type TokenizedPair,
  type Tokenizer,
} from './data.js';
export { OptionsError, UnknownPluginError, UserError } from './errors.js';
export {
  type ImpliedRewards,
  impliedRewards,
  type LogProbVectors,
  referenceLogProbs,
} from './input.js';
export { softLabelLosses } from './labels.js';
export { loadPluginModule } from './loader.js';
export { type Logger, silentLogger } from './logger.js';
export { asFloat32, negativeLogSigmoid } from './math.js';
export type { Objective, ObjectiveInput, ObjectiveOutput, PairLogProbs } from './objective.js';
export {
  type AnyPlugin,
  type DatasetPlugin,
  type ObjectivePlugin,
  type Plugin,
  type PluginContext,
  type PluginContexts,
  type PluginKind,
  type PluginProducts,
  type PolicyContext,
  type PolicyPlugin,
  pluginKinds,
  pluginProblem,
} from './plugin.js';
export type { PairBatch, Policy, SampleOptions, Scores, TokenBatch } from './policy.js';
export { deriveSeed, type Random, seededRandom, shuffled } from './random.js';
export { type PluginEntry, PluginRegistry } from './registry.js';
export {
  boolean,
  type Fields,
  type Infer,
  listOf,
  type NumberRange,
  number,
  type ObjectOf,
  type ObjectSchema,
  object,
  oneOf,
  optional,
  type Schema,
  string,
} from './schema.js';
export { completionScores, targetScores } from './sequence.js';
export { registerWasmTrainingKernels } from './wasm-kernels.js';
export { WeightedObjective, type WeightedPart } from './weighted.js';
