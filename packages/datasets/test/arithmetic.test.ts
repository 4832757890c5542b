import type { TokenizedPair } from '@prefopt/core';
import { UserError } from '@prefopt/core';
import { describe, expect, it } from 'vitest';
import { type ArithmeticOptions, ArithmeticTask } from '../src/index.js';
import { collect } from './support.js';

const defaults: ArithmeticOptions = {
  maxOperand: 20,
  operations: ['+', '*'],
  count: 2000,
  split: 'train',
  flipRate: 0,
};

/** Bytes back to text with Node's Buffer, not the task's tokenizer. */
const text = (ids: readonly number[]) => Buffer.from(ids).toString('utf8');

interface Decoded {
  readonly a: number;
  readonly operation: string;
  readonly b: number;
  readonly chosen: string;
  readonly rejected: string;
}

function decode(pair: TokenizedPair): Decoded {
  const match = /^(\d+)([+*])(\d+)=$/.exec(text(pair.prompt));
  expect(match).not.toBeNull();
  return {
    a: Number(match?.[1]),
    operation: match?.[2] ?? '',
    b: Number(match?.[3]),
    chosen: text(pair.chosen),
    rejected: text(pair.rejected),
  };
}

/** Every prompt a op b with operands 0 to max, written out independently of the task. */
function allPrompts(max: number, operations: readonly string[]): string[] {
  const prompts: string[] = [];
  for (const operation of operations) {
    for (let a = 0; a <= max; a++)
      for (let b = 0; b <= max; b++) prompts.push(`${a}${operation}${b}=`);
  }
  return prompts;
}

/** Whether two decimal numerals of one length differ in exactly one digit. */
function oneDigitApart(x: string, y: string): boolean {
  if (x.length !== y.length) return false;
  let differences = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) differences++;
  return differences === 1;
}

describe('the arithmetic task', () => {
  it('chooses the correct answer and rejects a plausible wrong one', async () => {
    const pairs = await collect(new ArithmeticTask(defaults, 3).pairs({ contextLength: 64 }));
    expect(pairs).toHaveLength(2000);

    for (const pair of pairs) {
      const { a, operation, b, chosen, rejected } = decode(pair);
      const correct = operation === '+' ? a + b : a * b;
      const other = operation === '+' ? a * b : a + b;
      expect(a <= 20 && b <= 20).toBe(true);
      expect(chosen).toBe(String(correct));

      // A wrong answer is a non-negative integer without leading zeros, never the
      // correct one: off by 1 to 3, the other operation's result, or one digit slipped.
      expect(rejected).toMatch(/^(0|[1-9][0-9]*)$/);
      const wrong = Number(rejected);
      expect(wrong).not.toBe(correct);
      const plausible =
        Math.abs(wrong - correct) <= 3 || wrong === other || oneDigitApart(rejected, chosen);
      expect(plausible).toBe(true);
      expect(pair.label).toBeUndefined();
    }
  });

  it('is the same for the same seed and differs for another', async () => {
    const options = { ...defaults, count: 50 };
    const first = await collect(new ArithmeticTask(options, 8).pairs({ contextLength: 64 }));
    const again = await collect(new ArithmeticTask(options, 8).pairs({ contextLength: 64 }));
    const other = await collect(new ArithmeticTask(options, 9).pairs({ contextLength: 64 }));

    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
  });

  it('gives the same pairs each time pairs() is called', async () => {
    const task = new ArithmeticTask({ ...defaults, count: 30 }, 4);
    expect(await collect(task.pairs({ contextLength: 64 }))).toEqual(
      await collect(task.pairs({ contextLength: 64 })),
    );
  });

  it('splits prompts into disjoint train and test sets, about 10% test', () => {
    const train = new ArithmeticTask(defaults, 1).prompts();
    const test = new ArithmeticTask({ ...defaults, split: 'test' }, 1).prompts();

    // 2 operations x 21 x 21 operand pairs = 882 prompts in all.
    const all = allPrompts(20, ['+', '*']);
    expect(all).toHaveLength(882);
    expect(train.filter((prompt) => test.includes(prompt))).toEqual([]);
    expect([...train, ...test].sort()).toEqual([...all].sort());
    // 10% of 882 is 88.2; a binomial standard deviation is sqrt(882 * 0.09) = 8.9.
    expect(test.length).toBeGreaterThan(50);
    expect(test.length).toBeLessThan(130);
  });

  it("keeps a prompt's split whatever the count, seed or maxOperand", () => {
    const test = new ArithmeticTask({ ...defaults, split: 'test' }, 1).prompts();
    expect(new ArithmeticTask({ ...defaults, split: 'test', count: 1 }, 77).prompts()).toEqual(
      test,
    );

    const wider = new ArithmeticTask({ ...defaults, maxOperand: 30, split: 'test' }, 1).prompts();
    const inRange = wider.filter((prompt) =>
      /^(\d+)[+*](\d+)=$/
        .exec(prompt)
        ?.slice(1)
        .every((n) => Number(n) <= 20),
    );
    expect(inRange).toEqual(test);
  });

  it('draws pairs only from the prompts of its split, visiting each before repeating', async () => {
    const task = new ArithmeticTask({ ...defaults, split: 'test', count: 500 }, 6);
    const prompts = task.prompts();
    const pairs = await collect(task.pairs({ contextLength: 64 }));
    const seen = pairs.map((pair) => text(pair.prompt));

    for (const prompt of seen) expect(prompts).toContain(prompt);
    // The first len(prompts) pairs are one shuffled pass over all of them.
    expect(new Set(seen.slice(0, prompts.length)).size).toBe(prompts.length);
  });

  it('uses only the operations asked for', async () => {
    const task = new ArithmeticTask({ ...defaults, operations: ['*'], count: 200 }, 2);
    for (const prompt of task.prompts()) expect(prompt).toMatch(/^\d+\*\d+=$/);
    for (const pair of await collect(task.pairs({ contextLength: 64 }))) {
      expect(decode(pair).operation).toBe('*');
    }
  });

  it('either has prompts in a split or refuses to be made, for every small task', () => {
    const operationSets: ('+' | '*')[][] = [['+'], ['*'], ['+', '*']];
    for (const maxOperand of [1, 2, 3, 4]) {
      for (const operations of operationSets) {
        const split = (name: 'train' | 'test') => {
          try {
            return new ArithmeticTask(
              { ...defaults, maxOperand, operations, split: name },
              1,
            ).prompts();
          } catch (error) {
            expect(error).toBeInstanceOf(UserError);
            expect((error as Error).message).toBe(
              `arithmetic: the ${name} split has no prompts with maxOperand ${maxOperand}; ` +
                'raise maxOperand',
            );
            return [];
          }
        };
        // Whichever way it goes, train and test cover every prompt exactly once.
        const both = [...split('train'), ...split('test')].sort();
        expect(both).toEqual(allPrompts(maxOperand, operations).sort());
      }
    }
  });

  it('answers prompts and judges completions as base-10 integers', () => {
    const task = new ArithmeticTask(defaults, 1);
    expect(task.answer('12+7=')).toBe(19);
    expect(task.answer('3*8=')).toBe(24);
    expect(task.isCorrect('12+7=', '19')).toBe(true);
    expect(task.isCorrect('12+7=', ' 19\n')).toBe(true);
    expect(task.isCorrect('12+7=', '18')).toBe(false);
    expect(task.isCorrect('12+7=', '19.0')).toBe(false);
    expect(task.isCorrect('12+7=', '1 9')).toBe(false);
    expect(task.isCorrect('12+7=', '0x13')).toBe(false);
    expect(task.isCorrect('12+7=', '')).toBe(false);
    expect(task.isCorrect('12+7=', 'nineteen')).toBe(false);
    expect(() => task.answer('12-7=')).toThrow(
      'arithmetic: "12-7=" is not a prompt like "12+7=" or "3*8="',
    );
  });

  it('refuses a context length its longest rows do not fit, naming the task', async () => {
    // Longest: a two-digit product prompt such as "10*10=" (6 bytes) with a
    // 3-digit completion (products of two-digit operands are >= 100):
    // 1 + 6 + 3 + 1 = 11.
    const task = new ArithmeticTask({ ...defaults, count: 300 }, 1);
    expect(() => task.pairs({ contextLength: 10 })).toThrow(
      'arithmetic: rows take up to 11 tokens with the prompt, begin and end tokens; ' +
        'the context length is 10',
    );
    const pairs = await collect(task.pairs({ contextLength: 11 }));
    for (const pair of pairs) {
      const row = 1 + pair.prompt.length + Math.max(pair.chosen.length, pair.rejected.length) + 1;
      expect(row).toBeLessThanOrEqual(11);
    }
  });
});

describe('arithmetic with flipped preferences', () => {
  it('chooses the wrong answer in about flipRate of pairs, and keeps streams when 0', async () => {
    const flipped = new ArithmeticTask({ ...defaults, count: 1000, flipRate: 0.3 }, 4);
    const pairs = await collect(flipped.pairs({ contextLength: 16 }));
    const wrongChosen = pairs.filter((pair) => {
      const prompt = flipped.tokenizer.decode(pair.prompt);
      return !flipped.isCorrect(prompt, flipped.tokenizer.decode(pair.chosen));
    });
    // 1000 draws at 0.3: the standard deviation of the count is about 14.5.
    expect(wrongChosen.length).toBeGreaterThan(300 - 60);
    expect(wrongChosen.length).toBeLessThan(300 + 60);
    for (const pair of wrongChosen) {
      const prompt = flipped.tokenizer.decode(pair.prompt);
      expect(flipped.tokenizer.decode(pair.rejected)).toBe(flipped.correctAnswer(prompt));
    }
  });
});
