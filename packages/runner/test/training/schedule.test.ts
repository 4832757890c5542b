import { describe, expect, it } from 'vitest';
import { learningRateAt } from '../../src/training/schedule.js';

describe('learningRateAt', () => {
  const peak = 0.1;

  it('warms up linearly to the peak', () => {
    // 4 warmup steps: 0.1 * 1/4, 2/4, 3/4, 4/4.
    const rates = [1, 2, 3, 4].map((step) =>
      learningRateAt(step, 10, { learningRate: peak, warmupSteps: 4, decay: 'constant' }),
    );
    expect(rates).toEqual([0.025, 0.05, 0.075, 0.1].map((r) => expect.closeTo(r, 12)));
    expect(learningRateAt(9, 10, { learningRate: peak, warmupSteps: 4, decay: 'constant' })).toBe(
      peak,
    );
  });

  it('decays linearly and by a cosine after warmup', () => {
    // total 6, warmup 2: decay steps 3..6 have progress (step - 3) / 4 = 0, 1/4, 2/4, 3/4.
    const options = { learningRate: peak, warmupSteps: 2 } as const;
    const linear = [3, 4, 5, 6].map((s) => learningRateAt(s, 6, { ...options, decay: 'linear' }));
    expect(linear.map((r) => r.toFixed(6))).toEqual([
      '0.100000',
      '0.075000',
      '0.050000',
      '0.025000',
    ]);
    // cosine: 0.05 (1 + cos(pi p)): p = 1/4 gives 0.05 (1 + 0.7071068) = 0.0853553.
    const cosine = [3, 4, 5, 6].map((s) => learningRateAt(s, 6, { ...options, decay: 'cosine' }));
    expect(cosine.map((r) => r.toFixed(6))).toEqual([
      '0.100000',
      '0.085355',
      '0.050000',
      '0.014645',
    ]);
  });
});
