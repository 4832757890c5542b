export { alpha, beta, extremeBatch, logProb, logProbBatch, tokenCount } from './arbitraries.js';
export {
  type Evaluation,
  evaluate,
  expectClose,
  type Gradients,
  gradients,
  type LogProbBatch,
  objectiveInput,
} from './batch.js';
export { type ObjectiveLawOptions, objectiveLaws, reductionLaw } from './laws.js';
