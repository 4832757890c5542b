// The helpers moved to @prefopt/testkit; kept here for tests not yet moved.
export {
  alpha,
  beta,
  type Evaluation,
  evaluate,
  expectClose,
  type Gradients,
  gradients,
  type LogProbBatch,
  logProb,
  logProbBatch,
} from '@prefopt/testkit';
