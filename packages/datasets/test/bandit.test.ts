import { UserError } from '@prefopt/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BanditTask, BanditTokenizer, optimalDistribution } from '../src/index.js';
import { collect } from './support.js';

const defaults = { prompts: 4, candidates: 6, rewardScale: 1 };

function entropy(distribution: readonly number[]): number {
  return -distribution.reduce((sum, p) => (p > 0 ? sum + p * Math.log(p) : sum), 0);
}

function expectDistributionsClose(actual: number[][], expected: number[][], tolerance: number) {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, k) => {
    row.forEach((p, j) => {
      expect(Math.abs(p - (expected[k]?.[j] ?? Number.NaN))).toBeLessThanOrEqual(tolerance);
    });
  });
}

describe('the bandit tokenizer', () => {
  it('numbers prompts, then candidates, then begin, end and padding', () => {
    // K = 4, N = 6: prompts 0-3, candidates 4-9, begin 10, end 11, padding 12.
    const tokenizer = new BanditTokenizer(4, 6);
    expect(tokenizer.encode('p3 c5')).toEqual([3, 9]);
    expect(tokenizer.encode('c0 p0')).toEqual([4, 0]);
    expect([tokenizer.beginId, tokenizer.endId, tokenizer.paddingId]).toEqual([10, 11, 12]);
    expect(tokenizer.vocabularySize).toBe(13);
    expect(tokenizer.decode([10, 2, 7, 11, 12])).toBe('p2 c3');
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('refuses text that is not its tokens, saying which it has', () => {
    const tokenizer = new BanditTokenizer(4, 6);
    const problem = (token: string) =>
      `bandit tokenizer: "${token}" is not a token (prompts p0 to p3, candidates c0 to c5, ` +
      'one space between)';
    expect(() => tokenizer.encode('p4')).toThrow(UserError);
    expect(() => tokenizer.encode('p4')).toThrow(problem('p4'));
    expect(() => tokenizer.encode('c6')).toThrow(problem('c6'));
    expect(() => tokenizer.encode('p01')).toThrow(problem('p01'));
    expect(() => tokenizer.encode('p1  c2')).toThrow(problem(''));
    expect(() => tokenizer.decode([13])).toThrow('bandit tokenizer: id 13 is outside 0 to 12');
  });

  it('decode(encode(t)) === t and encode(decode(ids)) === ids for any tokens', () => {
    const sizes = fc.record({
      prompts: fc.integer({ min: 1, max: 20 }),
      candidates: fc.integer({ min: 2, max: 20 }),
    });
    const withIds = sizes.chain(({ prompts, candidates }) =>
      fc.record({
        prompts: fc.constant(prompts),
        candidates: fc.constant(candidates),
        ids: fc.array(fc.integer({ min: 0, max: prompts + candidates - 1 }), { maxLength: 12 }),
      }),
    );
    fc.assert(
      fc.property(withIds, ({ prompts, candidates, ids }) => {
        const tokenizer = new BanditTokenizer(prompts, candidates);
        // The text of an id, written out independently: p<k> below K, else c<id - K>.
        const text = ids.map((id) => (id < prompts ? `p${id}` : `c${id - prompts}`)).join(' ');
        expect(tokenizer.decode(ids)).toBe(text);
        expect(tokenizer.encode(text)).toEqual(ids);
      }),
    );
  });
});

describe('the bandit task', () => {
  it('is the same for the same seed and differs for another', async () => {
    const first = new BanditTask(defaults, 11);
    const again = new BanditTask(defaults, 11);
    const other = new BanditTask(defaults, 12);

    expect(again.rewards).toEqual(first.rewards);
    expect(again.referenceProbabilities).toEqual(first.referenceProbabilities);
    expect(await collect(again.pairs({ contextLength: 4 }))).toEqual(
      await collect(first.pairs({ contextLength: 4 })),
    );
    expect(other.rewards).not.toEqual(first.rewards);
    expect(other.referenceProbabilities).not.toEqual(first.referenceProbabilities);
  });

  it('draws K x N rewards and reference distributions that sum to 1', () => {
    const task = new BanditTask({ prompts: 3, candidates: 5, rewardScale: 2 }, 5);
    expect(task.rewards).toHaveLength(3);
    for (const row of task.rewards) expect(row).toHaveLength(5);
    for (const row of task.referenceProbabilities) {
      expect(row).toHaveLength(5);
      for (const p of row) expect(p).toBeGreaterThan(0);
      expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
    }
  });

  it('scales the rewards by rewardScale, leaving the reference as it is', () => {
    // The same seed draws the same standard normals, so rewards scale exactly.
    const one = new BanditTask({ prompts: 2, candidates: 3, rewardScale: 1 }, 9);
    const three = new BanditTask({ prompts: 2, candidates: 3, rewardScale: 3 }, 9);
    three.rewards.forEach((row, k) => {
      row.forEach((r, j) => {
        expect(r).toBeCloseTo(3 * (one.rewards[k]?.[j] ?? Number.NaN), 12);
      });
    });
    expect(three.referenceProbabilities).toEqual(one.referenceProbabilities);
  });

  it('pairs every two candidates of a prompt once, higher reward chosen, BT label', async () => {
    const K = 3;
    const N = 5;
    const task = new BanditTask({ prompts: K, candidates: N, rewardScale: 1 }, 2);
    const pairs = await collect(task.pairs({ contextLength: 4 }));

    // K * N(N-1)/2 = 3 * 5 * 4 / 2 = 30.
    expect(pairs).toHaveLength(30);
    const seen = new Set<string>();
    for (const pair of pairs) {
      const k = pair.prompt[0] as number;
      const chosen = (pair.chosen[0] as number) - K;
      const rejected = (pair.rejected[0] as number) - K;
      expect(pair.prompt).toEqual([k]);
      expect(k >= 0 && k < K && chosen >= 0 && chosen < N && rejected >= 0 && rejected < N).toBe(
        true,
      );
      seen.add(`${k}:${Math.min(chosen, rejected)}:${Math.max(chosen, rejected)}`);

      const margin =
        (task.rewards[k]?.[chosen] as number) - (task.rewards[k]?.[rejected] as number);
      expect(margin).toBeGreaterThanOrEqual(0);
      expect(pair.label).toBeGreaterThanOrEqual(0.5);
      // Bradley-Terry: P(chosen preferred) = 1 / (1 + exp(-(r_chosen - r_rejected))).
      expect(pair.label).toBeCloseTo(1 / (1 + Math.exp(-margin)), 12);
    }
    expect(seen.size).toBe(30);
  });

  it('refuses a context length below its 4-token rows, naming the task', () => {
    const task = new BanditTask(defaults, 1);
    expect(() => task.pairs({ contextLength: 3 })).toThrow(UserError);
    expect(() => task.pairs({ contextLength: 3 })).toThrow(
      'bandit: rows take up to 4 tokens with the prompt, begin and end tokens; ' +
        'the context length is 3',
    );
  });
});

describe('the optimal policy', () => {
  it('matches a hand-computed case', () => {
    // pi_ref = (1/2, 1/4, 1/4), r = (0, ln(4)/4, 0), alpha = 0.5, beta = 0.5:
    //   pi_ref^(1/alpha) = pi_ref^2 = (1/4, 1/16, 1/16)
    //   exp(r / (alpha * beta)) = exp(4r) = (1, 4, 1)
    //   product (1/4, 1/4, 1/16), sum 9/16, so pi* = (4/9, 4/9, 1/9).
    const reference = [0.5, 0.25, 0.25].map(Math.log);
    const rewards = [0, Math.log(4) / 4, 0];
    const optimum = optimalDistribution(reference, rewards, 0.5, 0.5);
    expectDistributionsClose([optimum], [[4 / 9, 4 / 9, 1 / 9]], 1e-12);

    // alpha = 1, beta = 1: pi_ref * exp(r) = (1/2, 1/4 * 4^(1/4), 1/4), with
    // 4^(1/4) = sqrt(2) = 1.41421356; sum = 1.10355339.
    const dpo = optimalDistribution(reference, rewards, 1, 1);
    const sum = 0.5 + 0.25 * Math.SQRT2 + 0.25;
    expectDistributionsClose([dpo], [[0.5 / sum, (0.25 * Math.SQRT2) / sum, 0.25 / sum]], 1e-12);
  });

  it('stays finite and normalised where exp(r / (alpha * beta)) overflows', () => {
    // r / (alpha * beta) = 500 / 1e-4 = 5e6: exp overflows, log-sum-exp does not.
    // The largest score wins all the mass: candidate 1, with 5e6 over 4e6.
    const optimum = optimalDistribution([Math.log(0.5), Math.log(0.5)], [400, 500], 0.01, 0.01);
    expect(optimum).toEqual([0, 1]);
  });

  it('rejects alpha or beta that are not finite and positive', () => {
    expect(() => optimalDistribution([0], [0], 0, 1)).toThrow(
      'alpha and beta must be finite and > 0, got 0 and 1',
    );
    expect(() => new BanditTask(defaults, 1).optimalPolicy(1, Number.NaN)).toThrow(
      'alpha and beta must be finite and > 0, got 1 and NaN',
    );
  });

  it('at alpha = 1 is the DPO optimum pi_ref * exp(r / beta) / Z, for any seed and beta', () => {
    fc.assert(
      fc.property(fc.nat(), fc.double({ min: 0.05, max: 10, noNaN: true }), (seed, beta) => {
        const task = new BanditTask(defaults, seed);
        // The direct formula, without log space: fine for |r / beta| well inside exp's range.
        const expected = task.referenceProbabilities.map((reference, k) => {
          const weights = reference.map((p, j) => p * Math.exp((task.rewards[k]?.[j] ?? 0) / beta));
          const total = weights.reduce((a, b) => a + b, 0);
          return weights.map((w) => w / total);
        });
        expectDistributionsClose(task.optimalPolicy(1, beta), expected, 1e-9);
      }),
    );
  });

  it('is the DPO optimum raised to 1/alpha and renormalised, for any seed, alpha and beta', () => {
    const positive = (min: number, max: number) => fc.double({ min, max, noNaN: true });
    fc.assert(
      fc.property(fc.nat(), positive(0.2, 4), positive(0.2, 5), (seed, alpha, beta) => {
        const task = new BanditTask(defaults, seed);
        const expected = task.optimalPolicy(1, beta).map((row) => {
          const powered = row.map((p) => p ** (1 / alpha));
          const total = powered.reduce((a, b) => a + b, 0);
          return powered.map((p) => p / total);
        });
        expectDistributionsClose(task.optimalPolicy(alpha, beta), expected, 1e-9);
      }),
    );
  });

  it('loses entropy as alpha falls, for any seed and beta', () => {
    const positive = (min: number, max: number) => fc.double({ min, max, noNaN: true });
    fc.assert(
      fc.property(
        fc.nat(),
        positive(0.05, 4),
        positive(0.05, 4),
        positive(0.1, 2),
        (seed, a, b, beta) => {
          const task = new BanditTask(defaults, seed);
          const [low, high] = a < b ? [a, b] : [b, a];
          const sharper = task.optimalPolicy(low, beta);
          const flatter = task.optimalPolicy(high, beta);
          sharper.forEach((row, k) => {
            expect(entropy(row)).toBeLessThanOrEqual(entropy(flatter[k] ?? []) + 1e-12);
          });
        },
      ),
    );
  });
});
