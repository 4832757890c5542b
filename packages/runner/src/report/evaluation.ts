/**
 * What eval.json holds: answer-level evaluation of the trained policy on
 * tasks whose answers can be checked. Every field may be absent.
 */
export interface AnswerEvaluation {
  readonly prompts?: number;
  readonly samples?: number;
  readonly accuracyGreedy?: number;
  readonly accuracySampled?: number;
  /** Keyed by k: the fraction of prompts with a right answer among k samples. */
  readonly passAtK?: Readonly<Record<string, number>>;
  readonly distinctAnswers?: number;
  readonly entropy?: number;
}

/** How the report names each known field, in the order it lists them. */
const labels: readonly [keyof AnswerEvaluation, string][] = [
  ['prompts', 'prompts'],
  ['samples', 'samples'],
  ['accuracyGreedy', 'accuracy, greedy'],
  ['accuracySampled', 'accuracy, sampled'],
  ['passAtK', 'pass@k'],
  ['distinctAnswers', 'distinct answers'],
  ['entropy', 'entropy'],
];

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * The figures of an eval.json as (label, value) pairs: the known fields in
 * a fixed order with pass@k by increasing k, then any other numeric field
 * under its own name. Fields that are not finite numbers are left out, so a
 * newer trainer's additions never break an older report.
 */
export function evaluationFigures(
  evaluation: Readonly<Record<string, unknown>>,
): [string, number][] {
  const figures: [string, number][] = [];
  for (const [field, label] of labels) {
    const value = evaluation[field];
    if (field === 'passAtK' && typeof value === 'object' && value !== null) {
      const entries = Object.entries(value).filter(([, rate]) => isNumber(rate));
      entries.sort(([a], [b]) => Number(a) - Number(b) || (a < b ? -1 : 1));
      for (const [k, rate] of entries) figures.push([`pass@${k}`, rate as number]);
    } else if (isNumber(value)) {
      figures.push([label, value]);
    }
  }

  const known = new Set<string>(labels.map(([field]) => field));
  for (const [field, value] of Object.entries(evaluation)) {
    if (!known.has(field) && isNumber(value)) figures.push([field, value]);
  }
  return figures;
}
