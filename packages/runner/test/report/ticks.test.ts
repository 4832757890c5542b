import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logTicks, niceTicks, tickLabels } from '../../src/report/index.js';

describe('niceTicks', () => {
  it('covers 0 to 0.93 with steps of 0.2', () => {
    // Step 0.1 would need 0..1.0 = 11 ticks (> 6); step 0.2 needs 0..1.0 = 6.
    expect(niceTicks(0, 0.93)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('covers steps 1 to 200 with steps of 50', () => {
    // Step 10: 0..200 = 21 ticks; step 20: 11 ticks; step 50: 0, 50, ..., 200 = 5.
    expect(niceTicks(1, 200)).toEqual([0, 50, 100, 150, 200]);
  });

  it('covers a range across zero', () => {
    // -3.7..12.2: step 1 gives -4..13 (18 ticks), step 2 gives -4..14 (10),
    // step 5 gives floor(-0.74) = -1 to ceil(2.44) = 3, so -5..15 (5 ticks).
    expect(niceTicks(-3.7, 12.2)).toEqual([-5, 0, 5, 10, 15]);
  });

  it('widens a constant by a tenth each side and adds a tick when too few', () => {
    // 0.5 becomes 0.45..0.55; step 0.02 gives 0.44..0.56 (7 ticks), step 0.05
    // gives 0.45..0.55 (3 ticks), so one more goes above: 0.45..0.6.
    expect(niceTicks(0.5, 0.5)).toEqual([0.45, 0.5, 0.55, 0.6]);
  });

  it('widens a constant zero to -1..1', () => {
    // Span 2: step 0.2 needs 11 ticks, step 0.5 needs -1..1 = 5.
    expect(niceTicks(0, 0)).toEqual([-1, -0.5, 0, 0.5, 1]);
  });

  it('covers large values in steps of ten million', () => {
    // 0..3.2e7: step 5e6 needs 0..3.5e7 = 8 ticks; step 1e7 needs 0..4e7 = 5.
    expect(niceTicks(0, 3.2e7)).toEqual([0, 1e7, 2e7, 3e7, 4e7]);
  });

  it('rejects ranges it cannot draw', () => {
    expect(() => niceTicks(2, 1)).toThrow(RangeError);
    expect(() => niceTicks(0, Number.NaN)).toThrow(RangeError);
    expect(() => niceTicks(0, 1e301)).toThrow(RangeError);
  });

  it('law: 4 to 6 evenly spaced ticks of 1, 2 or 5 times a power of ten enclose the range', () => {
    const value = fc.oneof(
      fc.double({ min: -1e300, max: 1e300, noNaN: true }),
      fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
      fc.integer({ min: -1000, max: 1000 }),
    );
    fc.assert(
      fc.property(value, value, (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const ticks = niceTicks(low, high);

        expect(ticks.length).toBeGreaterThanOrEqual(4);
        expect(ticks.length).toBeLessThanOrEqual(6);
        expect(ticks[0]).toBeLessThanOrEqual(low);
        expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(high);

        const step = (ticks[1] ?? 0) - (ticks[0] ?? 0);
        const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
        expect([1, 2, 5].some((nice) => Math.abs(mantissa - nice) < 1e-6)).toBe(true);
        const scale = Math.max(...ticks.map(Math.abs));
        ticks.slice(1).forEach((tick, index) => {
          const gap = tick - (ticks[index] ?? 0);
          expect(Math.abs(gap - step)).toBeLessThanOrEqual(scale * 1e-9);
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('logTicks', () => {
  it('takes 1, 2, 5, 10 within one decade', () => {
    // 2..8 lies in the decade 1..10.
    expect(logTicks(2, 8)).toEqual([1, 2, 5, 10]);
  });

  it('takes each power of ten across a few decades', () => {
    // 0.001..1 is decades -3..0.
    expect(logTicks(0.001, 1)).toEqual([0.001, 0.01, 0.1, 1]);
  });

  it('steps 1, 2, 5 across two decades, ending at the first tick past the data', () => {
    // k from 1 to 16 (pass@k): decades 0..2; 1, 2, 5, 10, 20 covers 16.
    expect(logTicks(1, 16)).toEqual([1, 2, 5, 10, 20]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });

  it('skips powers across many decades', () => {
    // Decades -9..3 (span 12): exponent steps of 2 need -10..4 (8 ticks),
    // steps of 5 need -10..5 (4 ticks).
    expect(logTicks(1e-9, 1e3)).toEqual([1e-10, 1e-5, 1, 1e5]);
  });
});

describe('tickLabels', () => {
  it('writes as many decimals as the step needs', () => {
    // Step 0.2 needs one decimal place.
    expect(tickLabels([0, 0.2, 0.4, 0.6, 0.8, 1])).toEqual([
      '0',
      '0.2',
      '0.4',
      '0.6',
      '0.8',
      '1.0',
    ]);
  });

  it('writes scientific notation, to the step, where it is over two characters shorter', () => {
    // '40000000' (8 characters) against '4e+7' (4): scientific.
    expect(tickLabels([0, 1e7, 2e7, 3e7, 4e7])).toEqual(['0', '1e+7', '2e+7', '3e+7', '4e+7']);
    // '0.0000006' (9) against '6e-7' (4): scientific; the step is 2e-7, so no digits
    // after the point.
    expect(tickLabels([-2e-7, 0, 2e-7, 4e-7, 6e-7])).toEqual([
      '-2e-7',
      '0',
      '2e-7',
      '4e-7',
      '6e-7',
    ]);
    // Step 2e5 at 1.2e6 needs one digit after the point: '1.6e+6' (6) against
    // '1600000' (7) is not short enough, so plain.
    expect(tickLabels([1.2e6, 1.4e6, 1.6e6])).toEqual(['1200000', '1400000', '1600000']);
    // '1234590' (7) against '1.234590e+6' (11): plain.
    expect(tickLabels([1234565, 1234570, 1234575])).toEqual(['1234565', '1234570', '1234575']);
    // '0.003' (5) against '3e-3' (4): plain.
    expect(tickLabels([0, 0.001, 0.002, 0.003])).toEqual(['0', '0.001', '0.002', '0.003']);
  });

  it('writes each digit the step needs in scientific notation', () => {
    // Step 1e299 against 1e300: one digit after the point for 1.0e+300, none for 5e+299.
    expect(tickLabels([0, 5e299, 1e300])).toEqual(['0', '5e+299', '1.0e+300']);
  });

  it('writes log ticks plainly near 1 and in scientific notation far from it', () => {
    expect(tickLabels([1e-10, 1e-5, 1, 1e5, 1e10], true)).toEqual([
      '1e-10',
      '1e-5',
      '1',
      '100000',
      '1e+10',
    ]);
  });
});
