import { describe, expect, it } from 'vitest';
import { entropy, formatSpread, klDivergence, softmax, spread } from '../../src/demo/statistics.js';

describe('demo statistics', () => {
  it('gives the mean and sample standard deviation', () => {
    // 1, 2, 3, 4: mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5; 5 / 3 = 1.6667.
    const s = spread([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(formatSpread(s, 2)).toBe('2.50 ± 1.29');
    expect(formatSpread(spread([0.5]))).toBe('0.500');
  });

  it('computes entropy, KL and softmax as defined', () => {
    // Uniform over 4: entropy ln 4; KL of a distribution to itself is 0.
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 12);
    expect(klDivergence([0.2, 0.8], [0.2, 0.8])).toBe(0);
    // KL([1/2, 1/2] || [1/4, 3/4]) = 1/2 ln 2 + 1/2 ln(2/3) = 0.143841.
    expect(klDivergence([0.5, 0.5], [0.25, 0.75])).toBeCloseTo(0.143841, 6);
    // softmax([0, ln 3]) = [1/4, 3/4], even shifted by 1000.
    const p = softmax([1000, 1000 + Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
  });
});
