import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demo } from '../src/commands/demo.js';

interface Figures {
  readonly mean: number;
  readonly sd: number;
  readonly n: number;
}

interface Results {
  readonly bandit: {
    label: string;
    alpha: number;
    learnedEntropy: number;
    optimumEntropy: number;
    kl: number;
  }[];
  readonly coincide: number;
  readonly reference: VariantFigures;
  readonly results: VariantFigures[];
}

interface VariantFigures {
  readonly variant: { label: string; objective: string; alpha: number };
  readonly accuracyGreedy: Figures;
  readonly accuracySampled: Figures;
  readonly passAtK: Record<string, Figures>;
  readonly distinctAnswers: Figures;
  readonly entropy: Figures;
}

let output: string;
let printed = '';
const quiet = { info() {}, warn() {} };
const environment = {
  logger: quiet,
  progress: () => ({ step() {}, event() {}, end() {} }),
  print: (text: string) => {
    printed += text;
  },
};

beforeAll(async () => {
  output = join(await mkdtemp(join(tmpdir(), 'prefopt-demo-')), 'demo');
  expect(await demo({ quick: true, output }, environment)).toBe(0);
}, 300_000);
afterAll(async () => {
  await rm(join(output, '..'), { recursive: true, force: true });
});

describe('prefopt demo --quick', () => {
  it('writes a report directory with a summary, two charts and the numbers', async () => {
    expect((await readdir(join(output, 'report'))).sort()).toEqual([
      'README.md',
      'alpha.svg',
      'pass-at-k.svg',
      'results.json',
    ]);
    const markdown = await readFile(join(output, 'report', 'README.md'), 'utf8');
    expect(markdown).toContain('## Part 1: the closed form');
    expect(markdown).toContain('## Part 2: arithmetic');
    expect(markdown).toMatch(/\| H-DPO α=0\.8 \|/);
    for (const chart of ['alpha.svg', 'pass-at-k.svg']) {
      const svg = await readFile(join(output, 'report', chart), 'utf8');
      expect(svg.startsWith('<svg') || svg.startsWith('<?xml')).toBe(true);
      expect(svg).not.toMatch(/NaN|Infinity/);
    }
    expect(printed).toContain('Part 1: H-DPO on the bandit against its closed-form optimum');
  });

  it('reaches the closed form on the bandit, with DPO and H-DPO at alpha 1 the same', async () => {
    const results = JSON.parse(
      await readFile(join(output, 'report', 'results.json'), 'utf8'),
    ) as Results;
    expect(results.bandit.map((b) => b.label)).toEqual([
      'DPO',
      'H-DPO α=0.5',
      'H-DPO α=1',
      'H-DPO α=1.5',
    ]);
    for (const outcome of results.bandit) {
      expect(outcome.kl).toBeGreaterThanOrEqual(-1e-9);
      expect(outcome.kl).toBeLessThan(1e-3);
    }
    expect(results.coincide).toBeLessThan(1e-6);
    // The optimum's entropy rises with alpha: 0.5, then 1, then 1.5.
    const entropies = results.bandit.slice(1).map((b) => b.optimumEntropy);
    expect(entropies).toEqual([...entropies].sort((a, b) => a - b));
  });

  it('reports every answer figure finite and within its range', async () => {
    const results = JSON.parse(
      await readFile(join(output, 'report', 'results.json'), 'utf8'),
    ) as Results;
    expect(results.results.map((r) => r.variant.label)).toEqual(['DPO', 'H-DPO α=0.8']);
    for (const variant of [results.reference, ...results.results]) {
      const shares = [
        variant.accuracyGreedy,
        variant.accuracySampled,
        ...Object.values(variant.passAtK),
      ];
      for (const share of shares) {
        expect(share.mean).toBeGreaterThanOrEqual(0);
        expect(share.mean).toBeLessThanOrEqual(1);
      }
      const passes = Object.entries(variant.passAtK).map(([, value]) => value.mean);
      expect(passes).toEqual([...passes].sort((a, b) => a - b));
      expect(Object.keys(variant.passAtK)).toEqual(['1', '2', '4', '8']);
      expect(variant.distinctAnswers.mean).toBeGreaterThanOrEqual(1);
      expect(variant.distinctAnswers.mean).toBeLessThanOrEqual(8);
      expect(Number.isFinite(variant.entropy.mean)).toBe(true);
      expect(variant.entropy.mean).toBeGreaterThan(0);
    }
  });

  it('reuses finished runs when run again, training nothing twice', async () => {
    const metrics = join(output, 'runs', 'dpo-seed1', 'metrics.jsonl');
    const before = (await stat(metrics)).mtimeMs;
    expect(await demo({ quick: true, output }, environment)).toBe(0);
    expect((await stat(metrics)).mtimeMs).toBe(before);
  }, 300_000);
});
