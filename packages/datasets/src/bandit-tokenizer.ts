import { type Tokenizer, UserError } from '@prefopt/core';

/** A token's text: "p" and a prompt index, or "c" and a candidate index, no leading zeros. */
const tokenPattern = /^([pc])(0|[1-9][0-9]*)$/;

/**
 * The vocabulary of a bandit task with K prompts and N candidates: one token
 * per prompt and one per candidate completion, then the special tokens.
 *
 *   prompt k     id k            text "pk"
 *   candidate j  id K + j        text "cj"
 *   begin, end, padding          ids K + N, K + N + 1, K + N + 2
 *
 * A text is tokens separated by single spaces ("p3 c5"); encode and decode
 * are inverses on such texts and on ids without special tokens.
 */
export class BanditTokenizer implements Tokenizer {
  readonly beginId: number;
  readonly endId: number;
  readonly paddingId: number;
  readonly vocabularySize: number;

  constructor(
    readonly prompts: number,
    readonly candidates: number,
  ) {
    this.beginId = prompts + candidates;
    this.endId = prompts + candidates + 1;
    this.paddingId = prompts + candidates + 2;
    this.vocabularySize = prompts + candidates + 3;
  }

  encode(text: string): number[] {
    if (text === '') return [];
    return text.split(' ').map((token) => this.idOf(token));
  }

  decode(ids: readonly number[]): string {
    const tokens: string[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabularySize) {
        throw new RangeError(
          `bandit tokenizer: id ${id} is outside 0 to ${this.vocabularySize - 1}`,
        );
      }
      if (id < this.prompts) tokens.push(`p${id}`);
      else if (id < this.beginId) tokens.push(`c${id - this.prompts}`);
    }
    return tokens.join(' ');
  }

  private idOf(token: string): number {
    const match = tokenPattern.exec(token);
    const index = Number(match?.[2]);
    if (match?.[1] === 'p' && index < this.prompts) return index;
    if (match?.[1] === 'c' && index < this.candidates) return this.prompts + index;
    throw new UserError(
      `bandit tokenizer: ${JSON.stringify(token)} is not a token (prompts p0 to ` +
        `p${this.prompts - 1}, candidates c0 to c${this.candidates - 1}, one space between)`,
    );
  }
}
