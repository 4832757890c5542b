import {
  type AnswerTask,
  deriveSeed,
  type Infer,
  listOf,
  number,
  object,
  oneOf,
  type PairOptions,
  type PreferenceDataset,
  seededRandom,
  shuffled,
  type TokenizedPair,
  UserError,
} from '@prefopt/core';
import { ByteTokenizer } from './bytes.js';
import { requireRowsFit } from './context-length.js';
import { apply, type Operation, wrongAnswer, wrongAnswerDigits } from './mistakes.js';

const allOperations: readonly Operation[] = ['+', '*'];

export const arithmeticOptions = object({
  maxOperand: number({
    description: 'largest operand; operands run from 0 to it',
    atLeast: 1,
    integer: true,
    default: 20,
  }),
  operations: listOf(oneOf(['+', '*'], { description: 'an operation' }), {
    description: 'the operations prompts use',
    default: ['+', '*'],
    minLength: 1,
  }),
  count: number({
    description: 'number of preference pairs',
    atLeast: 1,
    integer: true,
    default: 2000,
  }),
  split: oneOf(['train', 'test'], {
    description: 'train (about 90% of prompts) or test (the held-out rest)',
    default: 'train',
  }),
  flipRate: number({
    description:
      'share of pairs with the wrong answer chosen: label noise, or mixed demonstrations for sft',
    atLeast: 0,
    atMost: 1,
    default: 0,
  }),
});

export type ArithmeticOptions = Infer<typeof arithmeticOptions>;

/** The share of prompts held out for the test split. */
const testShare = 0.1;

/**
 * The seed of the hash that splits prompts. It is fixed, not the run's seed,
 * so that a test prompt stays a test prompt in every run: a model trained
 * with one seed and evaluated with another never sees its test prompts.
 */
const splitSeed = deriveSeed(0, 'arithmetic:split');

/** Whether a prompt is held out for testing; it depends on the prompt text alone. */
function isTestPrompt(prompt: string): boolean {
  return deriveSeed(splitSeed, prompt) < testShare * 4294967296;
}

/** "12+7=" read back as its operands and operation. */
const promptPattern = /^(0|[1-9][0-9]*)([+*])(0|[1-9][0-9]*)=$/;

interface Problem {
  readonly a: number;
  readonly operation: Operation;
  readonly b: number;
}

function parsePrompt(prompt: string): Problem {
  const match = promptPattern.exec(prompt);
  if (match === null) {
    throw new UserError(
      `arithmetic: ${JSON.stringify(prompt)} is not a prompt like "12+7=" or "3*8="`,
    );
  }
  return { a: Number(match[1]), operation: match[2] as Operation, b: Number(match[3]) };
}

/** begin, prompt, the longest completion the prompt can get, end, in byte tokens. */
function longestRowOf(prompt: string): number {
  const { a, operation, b } = parsePrompt(prompt);
  const answerDigits = String(apply(a, operation, b)).length;
  const completionDigits = Math.max(answerDigits, wrongAnswerDigits(a, operation, b));
  // Prompts and answers are ASCII: one byte, so one token, per character.
  return 1 + prompt.length + completionDigits + 1;
}

/**
 * A stand-in for grade-school math: prompts such as "12+7=" and "3*8=", the
 * correct answer's digits chosen over a plausible wrong answer (off by 1 to
 * 3, the other operation's result, or a slipped digit). Text goes through
 * the byte tokenizer, so a policy must learn to write numbers.
 *
 * The prompts are every a op b with operands from 0 to maxOperand. A hash of
 * the prompt text puts about 10% of them in the test split, the same in
 * every run and for any count, so train and test never share a prompt.
 * Pairs visit the split's prompts in a shuffled order, reshuffled each pass.
 *
 * Options: maxOperand >= 1 (default 20), operations (default + and *),
 * count pairs >= 1 (default 2000), split train or test (default train),
 * flipRate in [0, 1] (default 0): the share of pairs whose wrong answer is
 * chosen, as label noise, or, with the sft objective, to teach a reference
 * model that spreads its mass over right and plausible wrong answers. The
 * seed fixes the order of prompts, the wrong answers and the flips.
 */
export class ArithmeticTask implements PreferenceDataset, AnswerTask {
  readonly name = 'arithmetic';
  readonly tokenizer = new ByteTokenizer();
  private readonly splitPrompts: readonly string[];
  /** begin, prompt, the longest completion it can get, end. */
  private readonly longestRow: number;

  constructor(
    readonly options: ArithmeticOptions,
    private readonly seed: number,
  ) {
    const { maxOperand, split } = options;
    const prompts: string[] = [];
    for (const operation of allOperations.filter((op) => options.operations.includes(op))) {
      for (let a = 0; a <= maxOperand; a++) {
        for (let b = 0; b <= maxOperand; b++) {
          const prompt = `${a}${operation}${b}=`;
          if (isTestPrompt(prompt) === (split === 'test')) prompts.push(prompt);
        }
      }
    }
    if (prompts.length === 0) {
      throw new UserError(
        `arithmetic: the ${split} split has no prompts with maxOperand ${maxOperand}; ` +
          'raise maxOperand',
      );
    }
    this.splitPrompts = prompts;
    // A loop, not Math.max(...rows): a large maxOperand gives more prompts than a call takes.
    this.longestRow = prompts.reduce(
      (longest, prompt) => Math.max(longest, longestRowOf(prompt)),
      0,
    );
  }

  /** The distinct prompts of this task's split, for evaluation. */
  prompts(): string[] {
    return [...this.splitPrompts];
  }

  /** The correct answer as text, as a completion would write it. */
  correctAnswer(prompt: string): string {
    return String(this.answer(prompt));
  }

  /** The correct answer to a prompt such as "12+7=". */
  answer(prompt: string): number {
    const { a, operation, b } = parsePrompt(prompt);
    return apply(a, operation, b);
  }

  /** Whether a completion, trimmed and read as a base-10 integer, is the answer. */
  isCorrect(prompt: string, completion: string): boolean {
    const text = completion.trim();
    return /^[+-]?[0-9]+$/.test(text) && Number(text) === this.answer(prompt);
  }

  pairs(options: PairOptions): AsyncIterable<TokenizedPair> {
    requireRowsFit(this.name, this.longestRow, options.contextLength);
    return this.generatePairs();
  }

  private async *generatePairs(): AsyncGenerator<TokenizedPair> {
    const random = seededRandom(deriveSeed(this.seed, `arithmetic:${this.options.split}`));
    let order: string[] = [];
    for (let index = 0; index < this.options.count; index++) {
      if (order.length === 0) order = shuffled(this.splitPrompts, random);
      const prompt = order.pop() as string;
      const { a, operation, b } = parsePrompt(prompt);
      const right = this.tokenizer.encode(String(apply(a, operation, b)));
      const wrong = this.tokenizer.encode(String(wrongAnswer(a, operation, b, random)));
      // Draw only when flips are asked for, so other runs keep their streams.
      const flipped = this.options.flipRate > 0 && random.next() < this.options.flipRate;
      yield {
        prompt: this.tokenizer.encode(prompt),
        chosen: flipped ? wrong : right,
        rejected: flipped ? right : wrong,
      };
    }
  }
}
