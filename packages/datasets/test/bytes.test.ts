import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteTokenizer } from '../src/index.js';
import { utf8 } from './support.js';

const tokenizer = new ByteTokenizer();

describe('the byte tokenizer', () => {
  it('puts the special tokens after the 256 bytes', () => {
    expect(tokenizer.beginId).toBe(256);
    expect(tokenizer.endId).toBe(257);
    expect(tokenizer.paddingId).toBe(258);
    expect(tokenizer.vocabularySize).toBe(259);
  });

  it('encodes text as its UTF-8 bytes, without special tokens', () => {
    // "A" is 0x41; "é" (U+00E9) is 110_00011 10_101001 = C3 A9; the grinning
    // face U+1F600 is 11110_000 10_011111 10_011000 10_000000 = F0 9F 98 80.
    expect(tokenizer.encode('Aé😀')).toEqual([0x41, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('drops begin, end and padding when decoding', () => {
    // 0x68 0x69 is "hi".
    expect(tokenizer.decode([256, 0x68, 258, 0x69, 257, 258])).toBe('hi');
  });

  it('keeps a leading byte-order mark as text', () => {
    expect(tokenizer.decode(tokenizer.encode('\uFEFFx'))).toBe('\uFEFFx');
  });

  it('turns a lone surrogate into U+FFFD (the documented limitation)', () => {
    // UTF-8 has no encoding for U+D800 alone; it is written as U+FFFD = EF BF BD.
    expect(tokenizer.encode('a\uD800')).toEqual([0x61, 0xef, 0xbf, 0xbd]);
    expect(tokenizer.decode(tokenizer.encode('a\uD800'))).toBe('a\uFFFD');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tokenizer.decode([259])).toThrow('byte tokenizer: id 259 is outside 0 to 258');
    expect(() => tokenizer.decode([-1])).toThrow('byte tokenizer: id -1 is outside 0 to 258');
  });

  it('decode(encode(s)) === s for any well-formed string of code points, astral included', () => {
    // unit 'binary' draws any code point from U+0000 to U+10FFFF except lone surrogates.
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
      }),
    );
  });

  it('decode(encode(s)) === s for any string of printable graphemes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 32 }), (text) => {
        expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
      }),
    );
  });

  it('encode(s) equals the bytes Node writes for s, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        expect(tokenizer.encode(text)).toEqual(utf8(text));
      }),
    );
  });

  it('every id of encode(s) is a byte, below the special tokens', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (text) => {
        for (const id of tokenizer.encode(text)) expect(id >= 0 && id <= 255).toBe(true);
      }),
    );
  });
});
