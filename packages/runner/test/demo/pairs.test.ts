import type { AnswerTask } from '@prefopt/core';
import { ByteTokenizer } from '@prefopt/datasets';
import { describe, expect, it } from 'vitest';
import { pairsFromSamples } from '../../src/commands/pairs.js';

const tokenizer = new ByteTokenizer();
/** "a+b=" prompts; the answer is their sum. */
const task: AnswerTask = {
  tokenizer,
  prompts: () => ['1+1=', '2+2=', '3+3='],
  isCorrect: (prompt, completion) => Number(completion) === 2 * Number(prompt[0]),
  correctAnswer: (prompt) => String(2 * Number(prompt[0])),
};
const ended = (text: string) => [...tokenizer.encode(text), tokenizer.endId];

describe('pairs from a policy’s own samples', () => {
  it('pairs each distinct wrong answer with a correct one, the policy’s own first', () => {
    // Four samples per prompt, scripted:
    //   1+1=: "2", "3", "3", "4"  -> own correct "2"; wrong 3 and 4
    //   2+2=: "5", "6", "", "7" cut off -> no correct sample: the task's "4";
    //         the empty answer and the cut-off "7" are left out, so only 5 and 6
    //   3+3=: "6" four times      -> nothing wrong, no pair
    const scripted = [
      ...['2', '3', '3', '4'].map(ended),
      ended('5'),
      ended('6'),
      ended(''),
      tokenizer.encode('7'),
      ...['6', '6', '6', '6'].map(ended),
    ];
    const pairs = pairsFromSamples(
      (rows) => {
        expect(rows).toHaveLength(12);
        return scripted;
      },
      task,
      4,
      5,
    );
    expect(pairs).toEqual([
      { prompt: '1+1=', chosen: '2', rejected: '3' },
      { prompt: '1+1=', chosen: '2', rejected: '4' },
      { prompt: '2+2=', chosen: '4', rejected: '5' },
      { prompt: '2+2=', chosen: '4', rejected: '6' },
    ]);
    // At most one pair per prompt when asked.
    expect(pairsFromSamples(() => scripted, task, 4, 1).map((p) => p.rejected)).toEqual(['3', '5']);
  });
});
