export {
  type AnswerEvaluation,
  type AnswerEvaluationOptions,
  evaluateAnswers,
  type PromptEvaluation,
} from './answers.js';
export { passAtK } from './pass-at-k.js';
export { type EntropyTotal, selfEntropy } from './self-entropy.js';
