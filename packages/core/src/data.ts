/** One turn of a conversation. */
export interface Message {
  readonly role: string;
  readonly content: string;
}

/**
 * A preference pair: for one prompt, a completion people preferred (chosen)
 * and one they did not (rejected). Either all strings, or the
 * conversational form where each is a list of messages.
 */
export type PreferencePair =
  | { readonly prompt: string; readonly chosen: string; readonly rejected: string }
  | {
      readonly prompt: readonly Message[];
      readonly chosen: readonly Message[];
      readonly rejected: readonly Message[];
    };

/**
 * A pair after tokenization: token ids of the prompt and of both
 * completions, without begin, end or padding tokens (the collator adds them).
 */
export interface TokenizedPair {
  readonly prompt: readonly number[];
  readonly chosen: readonly number[];
  readonly rejected: readonly number[];
  /**
   * The probability that chosen is preferred to rejected: 1 (the default) is
   * a hard label; a Bradley-Terry probability below 1 is a soft label.
   */
  readonly label?: number;
  /** Where the pair came from, such as "data.jsonl:17", for error messages. */
  readonly source?: string;
}

/** Turns text into token ids and back. Ids run from 0 to vocabularySize - 1. */
export interface Tokenizer {
  readonly vocabularySize: number;
  readonly beginId: number;
  readonly endId: number;
  readonly paddingId: number;
  /** Token ids of the text, without begin or end tokens. */
  encode(text: string): number[];
  /** The text of the ids; begin, end and padding tokens are dropped. */
  decode(ids: readonly number[]): string;
}

export interface PairOptions {
  /**
   * The longest row a policy takes: begin token, prompt, completion, end
   * token. A pair whose longer row exceeds it is a bad example.
   */
  readonly contextLength: number;
}

/** A source of tokenized preference pairs, with the tokenizer they use. */
export interface PreferenceDataset {
  readonly name: string;
  readonly tokenizer: Tokenizer;
  /**
   * The pairs in a fixed order; a file is read as a stream. May be called
   * again for another pass; the runner reads a dataset once per run and
   * keeps its pairs in memory.
   */
  pairs(options: PairOptions): AsyncIterable<TokenizedPair>;
}

/**
 * A task whose answers can be checked, such as arithmetic: what evaluation
 * needs to grade a policy's own completions.
 */
export interface AnswerTask {
  readonly tokenizer: Tokenizer;
  /** The prompts to evaluate on, as text. */
  prompts(): readonly string[];
  /** Whether a completion (decoded text, end token removed) answers the prompt correctly. */
  isCorrect(prompt: string, completion: string): boolean;
  /** A correct completion of the prompt, as text. */
  correctAnswer(prompt: string): string;
}

/** Whether a dataset can also grade answers. */
export function isAnswerTask(value: object): value is AnswerTask {
  const candidate = value as Partial<AnswerTask>;
  return (
    typeof candidate.prompts === 'function' &&
    typeof candidate.isCorrect === 'function' &&
    typeof candidate.correctAnswer === 'function'
  );
}
