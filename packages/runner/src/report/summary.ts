import { evalPrefix, type MetricRow, type RunMetrics } from './metrics.js';

/** A metric's value and the step it was logged at. */
export interface StepValue {
  readonly step: number;
  readonly value: number;
}

/** One line of the report's table. Each part is absent where the run never logged it. */
export interface MetricSummary {
  /** The training name (`loss`); evaluation values are those of `eval/loss`. */
  readonly metric: string;
  readonly first?: StepValue;
  readonly last?: StepValue;
  /** The lowest or highest training value, for metrics where one is better. */
  readonly best?: StepValue;
  /** The value at the last evaluation that logged it. */
  readonly finalEval?: StepValue;
}

/**
 * Which way is better, for the metrics where the answer does not depend on
 * the objective. Margins and accuracy are what preference training raises;
 * rewards and log-probs of one side alone, or entropy, have no better
 * direction (H-DPO may aim for lower or higher entropy).
 */
export const betterDirection: Readonly<Record<string, 'lower' | 'higher'>> = {
  loss: 'lower',
  'rewards/margins': 'higher',
  'rewards/accuracies': 'higher',
};

/** The order metrics take in the table; others follow alphabetically. */
const tableOrder = [
  'loss',
  'rewards/margins',
  'rewards/accuracies',
  'rewards/chosen',
  'rewards/rejected',
  'logps/chosen',
  'logps/rejected',
  'entropy',
  'grad_norm',
  'learning_rate',
  'pairs_per_second',
];

/** Counters of the run rather than measurements of it. */
const notMetrics = new Set(['step', 'epoch']);

function valuesOf(rows: readonly MetricRow[], key: string): StepValue[] {
  return rows.flatMap((row) => {
    const value = row[key];
    return value === undefined ? [] : [{ step: row.step, value }];
  });
}

function bestOf(
  values: readonly StepValue[],
  direction: 'lower' | 'higher',
): StepValue | undefined {
  let best: StepValue | undefined;
  for (const candidate of values) {
    const better =
      best === undefined ||
      (direction === 'lower' ? candidate.value < best.value : candidate.value > best.value);
    if (better) best = candidate;
  }
  return best;
}

function byTableOrder(a: string, b: string): number {
  const rank = (name: string) => {
    const index = tableOrder.indexOf(name);
    return index === -1 ? tableOrder.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * First, last and best training value of each metric, and its value at the
 * final evaluation. Of equal best values, the earliest is reported. A metric
 * that only evaluation logged (`eval/pass@1` with no `pass@1`) gets a line
 * of its own with only the evaluation value.
 */
export function summarizeMetrics(metrics: RunMetrics): MetricSummary[] {
  const names = new Set<string>();
  for (const row of metrics.train) for (const key of Object.keys(row)) names.add(key);
  for (const row of metrics.eval) {
    for (const key of Object.keys(row)) {
      if (key.startsWith(evalPrefix)) names.add(key.slice(evalPrefix.length));
    }
  }

  return [...names]
    .filter((name) => !notMetrics.has(name))
    .sort(byTableOrder)
    .map((metric) => {
      const values = valuesOf(metrics.train, metric);
      const direction = betterDirection[metric];
      return {
        metric,
        first: values[0],
        last: values[values.length - 1],
        best: direction === undefined ? undefined : bestOf(values, direction),
        finalEval: valuesOf(metrics.eval, `${evalPrefix}${metric}`).pop(),
      };
    });
}
