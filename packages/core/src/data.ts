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

/** A pair after tokenization: token ids of prompt and both completions. */
export interface TokenizedPair {
  readonly prompt: readonly number[];
  readonly chosen: readonly number[];
  readonly rejected: readonly number[];
}

/** Turns text into token ids and back. */
export interface Tokenizer {
  readonly vocabularySize: number;
  readonly beginId: number;
  readonly endId: number;
  readonly paddingId: number;
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
}

/** A source of preference pairs, read in order. */
export interface PreferenceDataset {
  readonly name: string;
  pairs(): AsyncIterable<PreferencePair>;
}
