import type { Tokenizer } from '@prefopt/core';

/** Ids 0 to 255 are the bytes themselves; the three special tokens follow. */
const byteCount = 256;

/**
 * A byte-level tokenizer: a text's ids are its UTF-8 bytes, so any text
 * encodes without a vocabulary file and nothing is ever out of vocabulary.
 * Ids 0 to 255 are bytes, 256 is begin, 257 is end, 258 is padding.
 *
 * Rows grow long (one id per byte, up to four per character), which is the
 * price of needing nothing downloaded; the built-in tasks keep texts short.
 *
 * Limitation: a lone surrogate (half of a UTF-16 pair) decodes as U+FFFD,
 * because UTF-8 cannot hold it, so only well-formed text round-trips.
 */
export class ByteTokenizer implements Tokenizer {
  readonly beginId = byteCount;
  readonly endId = byteCount + 1;
  readonly paddingId = byteCount + 2;
  readonly vocabularySize = byteCount + 3;

  private readonly encoder = new TextEncoder();
  // ignoreBOM keeps a leading U+FEFF as text instead of stripping it, so that
  // a text starting with one round-trips.
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  encode(text: string): number[] {
    return Array.from(this.encoder.encode(text));
  }

  /** Drops begin, end and padding; a byte sequence that is not UTF-8 decodes as U+FFFD. */
  decode(ids: readonly number[]): string {
    const bytes: number[] = [];
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabularySize) {
        throw new RangeError(`byte tokenizer: id ${id} is outside 0 to ${this.vocabularySize - 1}`);
      }
      if (id < byteCount) bytes.push(id);
    }
    return this.decoder.decode(Uint8Array.from(bytes));
  }
}
