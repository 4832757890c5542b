/** What shapes the learning rate over a run. */
export interface ScheduleOptions {
  readonly learningRate: number;
  readonly warmupSteps: number;
  readonly decay: 'constant' | 'linear' | 'cosine';
}

/**
 * The learning rate of optimizer step `step` (1 for the first) of `total`:
 * a linear warmup to the peak over `warmupSteps`, then constant, or a linear
 * or cosine decay that would reach 0 one step after the last.
 */
export function learningRateAt(step: number, total: number, options: ScheduleOptions): number {
  const { learningRate, warmupSteps, decay } = options;
  if (step <= warmupSteps) return (learningRate * step) / warmupSteps;
  if (decay === 'constant') return learningRate;

  const decaySteps = Math.max(1, total - warmupSteps);
  const progress = Math.min(1, (step - 1 - warmupSteps) / decaySteps); // 0 at the first decay step
  return decay === 'linear'
    ? learningRate * (1 - progress)
    : 0.5 * learningRate * (1 + Math.cos(Math.PI * progress));
}
