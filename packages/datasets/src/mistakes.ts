import type { Random } from '@prefopt/core';

/** An arithmetic operation a prompt can use. */
export type Operation = '+' | '*';

export function apply(a: number, operation: Operation, b: number): number {
  return operation === '+' ? a + b : a * b;
}

/** Off by 1 to 3 either way, as when a carry or a count slips. */
function offByFew(answer: number, random: Random): number {
  const size = 1 + random.integer(3);
  return random.next() < 0.5 ? answer - size : answer + size;
}

/** One digit changed to another, keeping a leading digit non-zero. */
function digitSlip(answer: number, random: Random): number {
  const digits = String(answer).split('');
  const position = random.integer(digits.length);
  const lowest = position === 0 && digits.length > 1 ? 1 : 0;
  const old = Number(digits[position]);

  // The 10 - lowest allowed digits less the old one, drawn uniformly.
  let digit = lowest + random.integer(9 - lowest);
  if (digit >= old) digit++;
  digits[position] = String(digit);
  return Number(digits.join(''));
}

/** The answer to the other operation, as when + and * are confused. */
function otherOperation(a: number, operation: Operation, b: number): number {
  return apply(a, operation === '+' ? '*' : '+', b);
}

/**
 * A plausible wrong answer to `a operation b`: off by 1 to 3, the other
 * operation's result, or one digit slipped, drawn with equal odds. Never the
 * right answer and never negative: a draw that is either is drawn again.
 *
 * Its digits never outnumber those of max(answer + 3, other operation's
 * result), which bounds the length of a rejected completion.
 */
export function wrongAnswer(a: number, operation: Operation, b: number, random: Random): number {
  const answer = apply(a, operation, b);
  for (let attempt = 0; attempt < 32; attempt++) {
    const kind = random.integer(3);
    const candidate =
      kind === 0
        ? offByFew(answer, random)
        : kind === 1
          ? otherOperation(a, operation, b)
          : digitSlip(answer, random);
    if (candidate !== answer && candidate >= 0) return candidate;
  }
  // Unreachable in practice: off by +1 to +3 is always valid, a third of draws.
  return answer + 1;
}

/** The most digits a wrong answer to `a operation b` can have. */
export function wrongAnswerDigits(a: number, operation: Operation, b: number): number {
  const answer = apply(a, operation, b);
  return Math.max(String(answer + 3).length, String(otherOperation(a, operation, b)).length);
}
