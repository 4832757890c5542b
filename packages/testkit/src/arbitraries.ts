import fc from 'fast-check';
import type { LogProbBatch } from './batch.js';

/** A float32 log-prob of a completion: from -1e4 (very unlikely) to 0. */
export const logProb = fc.float({ min: -1e4, max: 0, noNaN: true }).map(Math.fround);

/** A completion length in tokens, 1 to 64. */
export const tokenCount = fc.integer({ min: 1, max: 64 });

const row = fc.record({
  pc: logProb,
  pr: logProb,
  rc: logProb,
  rr: logProb,
  nc: tokenCount,
  nr: tokenCount,
});

function batchOf(
  rows: { pc: number; pr: number; rc: number; rr: number; nc: number; nr: number }[],
) {
  return {
    policyChosen: rows.map((r) => r.pc),
    policyRejected: rows.map((r) => r.pr),
    referenceChosen: rows.map((r) => r.rc),
    referenceRejected: rows.map((r) => r.rr),
    chosenTokens: rows.map((r) => r.nc),
    rejectedTokens: rows.map((r) => r.nr),
  };
}

/** A batch of 1 to 8 pairs of policy and reference log-probs, with completion lengths. */
export const logProbBatch: fc.Arbitrary<LogProbBatch> = fc
  .array(row, { minLength: 1, maxLength: 8 })
  .map(batchOf);

/** Log-probs at the edges of what a model produces, and a few in between. */
const extremeLogProb = fc.constantFrom(-1e4, -9999.5, -1000, -1, -1e-6, 0);

/** A batch of extreme log-probs and lengths (1 to 10,000 tokens). */
export const extremeBatch: fc.Arbitrary<LogProbBatch> = fc
  .array(
    fc.record({
      pc: extremeLogProb,
      pr: extremeLogProb,
      rc: extremeLogProb,
      rr: extremeLogProb,
      nc: fc.constantFrom(1, 1000, 10_000),
      nr: fc.constantFrom(1, 1000, 10_000),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map(batchOf);

/** beta over the range people use, from 0.001 to 10. */
export const beta = fc.double({ min: 1e-3, max: 10, noNaN: true });

/** alpha from 0.05 to 4: sharpening through flattening. */
export const alpha = fc.double({ min: 0.05, max: 4, noNaN: true });
