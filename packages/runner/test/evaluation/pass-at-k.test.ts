import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { passAtK } from '../../src/evaluation/index.js';

/** C(n, k) exactly, as a BigInt: the product n (n-1) ... (n-k+1) / k!, 0 when k > n. */
function binomial(n: number, k: number): bigint {
  if (k > n) return 0n;
  let value = 1n;
  for (let i = 0; i < k; i++) value = (value * BigInt(n - i)) / BigInt(i + 1);
  return value;
}

/** n from 1 to 60, c from 0 to n, k from 1 to n. */
const counts = fc
  .integer({ min: 1, max: 60 })
  .chain((n) =>
    fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }), fc.integer({ min: 1, max: n })),
  );

describe('passAtK', () => {
  it('matches hand-computed values', () => {
    // 1 - C(3, 2) / C(5, 2) = 1 - 3/10 = 0.7
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12);
    // 1 - C(3, 2) / C(4, 2) = 1 - 3/6 = 0.5
    expect(passAtK(4, 1, 2)).toBeCloseTo(0.5, 12);
    // 1 - C(4, 3) / C(6, 3) = 1 - 4/20 = 0.8
    expect(passAtK(6, 2, 3)).toBeCloseTo(0.8, 12);
    // k = 1 is the share of correct samples: 3/10
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 12);
    // No correct sample: C(10, 5) / C(10, 5) = 1, so 0.
    expect(passAtK(10, 0, 5)).toBe(0);
    // Only 4 wrong samples, so any 5 hold a correct one: 1.
    expect(passAtK(10, 6, 5)).toBe(1);
  });

  it('law: equals 1 - C(n-c, k) / C(n, k) in exact binomial arithmetic, n up to 60', () => {
    fc.assert(
      fc.property(counts, ([n, c, k]) => {
        // Both binomials are below 2^60 here; converting each to a double costs
        // a relative 1e-16, far inside the tolerance.
        const expected = 1 - Number(binomial(n - c, k)) / Number(binomial(n, k));
        expect(Math.abs(passAtK(n, c, k) - expected)).toBeLessThan(1e-12);
      }),
      { numRuns: 500 },
    );
  });

  it('law: non-decreasing in k', () => {
    fc.assert(
      fc.property(counts, ([n, c, k]) => {
        if (k < n) expect(passAtK(n, c, k + 1)).toBeGreaterThanOrEqual(passAtK(n, c, k));
      }),
    );
  });

  it('law: non-decreasing in the number of correct samples', () => {
    fc.assert(
      fc.property(counts, ([n, c, k]) => {
        if (c < n) expect(passAtK(n, c + 1, k)).toBeGreaterThanOrEqual(passAtK(n, c, k));
      }),
    );
  });

  it('law: pass@1 is the share of correct samples c / n', () => {
    fc.assert(
      fc.property(counts, ([n, c]) => {
        expect(passAtK(n, c, 1)).toBeCloseTo(c / n, 12);
      }),
    );
  });

  it('law: pass@n is 1 with any correct sample and 0 with none', () => {
    fc.assert(
      fc.property(counts, ([n, c]) => {
        expect(passAtK(n, c, n)).toBe(c > 0 ? 1 : 0);
      }),
    );
  });

  it('names the argument that is out of range', () => {
    expect(() => passAtK(0, 0, 1)).toThrow(RangeError);
    expect(() => passAtK(0, 0, 1)).toThrow(/samples/);
    expect(() => passAtK(5, 6, 1)).toThrow(/correct must be an integer from 0 to samples \(5\)/);
    expect(() => passAtK(5, -1, 1)).toThrow(/correct/);
    expect(() => passAtK(5, 1.5, 1)).toThrow(/correct/);
    expect(() => passAtK(5, 2, 0)).toThrow(/k must be an integer from 1 to samples \(5\)/);
    expect(() => passAtK(5, 2, 6)).toThrow(/\bk\b/);
  });
});
