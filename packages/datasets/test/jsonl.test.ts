import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { silentLogger, UserError } from '@prefopt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteTokenizer, type PreferenceFileOptions, readPreferenceFile } from '../src/index.js';
import { collect, fixtureDirectory, recordingLogger, rejection, utf8 } from './support.js';

const tokenizer = new ByteTokenizer();
const failing: PreferenceFileOptions = { tokenizer, contextLength: 512, logger: silentLogger };

let fixtures: Awaited<ReturnType<typeof fixtureDirectory>>;
beforeAll(async () => {
  fixtures = await fixtureDirectory();
});
afterAll(() => fixtures.remove());

const good = JSON.stringify({ prompt: 'Q', chosen: 'yes', rejected: 'no' });

/** The message of the UserError reading a file of these lines throws. */
async function problem(lines: string[], options = failing): Promise<string> {
  const path = await fixtures.write(lines.join('\n'));
  const error = await rejection(collect(readPreferenceFile(path, options)));
  expect(error).toBeInstanceOf(UserError);
  return error.message.replace(path, 'PATH');
}

describe('reading a preference file', () => {
  it('yields string pairs as UTF-8 bytes with source PATH:LINE, ignoring extra keys', async () => {
    const path = await fixtures.write(
      [
        JSON.stringify({ prompt: 'Say hi', chosen: 'hi', rejected: 'bye', id: 7, meta: {} }),
        JSON.stringify({ prompt: 'é?', chosen: 'ü', rejected: 'u' }),
      ].join('\n'),
    );
    const pairs = await collect(readPreferenceFile(path, failing));

    expect(pairs).toEqual([
      { prompt: utf8('Say hi'), chosen: utf8('hi'), rejected: utf8('bye'), source: `${path}:1` },
      { prompt: utf8('é?'), chosen: utf8('ü'), rejected: utf8('u'), source: `${path}:2` },
    ]);
  });

  it('renders conversational pairs with the chat template', async () => {
    const path = await fixtures.write(
      JSON.stringify({
        prompt: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        chosen: [{ role: 'assistant', content: 'Hello.' }],
        rejected: [
          { role: 'assistant', content: 'Hm.' },
          { role: 'user', content: '?' },
        ],
      }),
    );
    const [pair] = await collect(readPreferenceFile(path, failing));

    // Per template.ts: prompt turns "<|role|>\ncontent\n", then "<|assistant|>\n";
    // an assistant completion message is its content, others keep their header.
    expect(pair?.prompt).toEqual(utf8('<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n'));
    expect(pair?.chosen).toEqual(utf8('Hello.'));
    expect(pair?.rejected).toEqual(utf8('Hm.\n<|user|>\n?'));
  });

  it('accepts a byte-order mark, CRLF and blank lines, counting them as lines', async () => {
    const path = await fixtures.write(
      `\uFEFF${good}\r\n\r\n  \t\r\n${good}\r\n\r\n{"prompt": \r\n`,
    );
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const pair of readPreferenceFile(path, failing)) {
          seen.push(pair.source ?? '');
          // The mark is gone: the prompt is "Q" alone, 0x51.
          expect(pair.prompt).toEqual([0x51]);
        }
      })(),
    );

    // Physical lines: 1 good (after the mark), 2 and 3 blank, 4 good, 5 blank, 6 bad.
    expect(seen).toEqual([`${path}:1`, `${path}:4`]);
    expect(error.message.startsWith(`${path}:6: not valid JSON (`)).toBe(true);
  });

  it('reads the file as a stream: the first pair arrives before the rest is written', async () => {
    const path = join(fixtures.directory, 'pipe.jsonl');
    execFileSync('mkfifo', [path]);
    const writer = createWriteStream(path);
    const pairs = readPreferenceFile(path, failing)[Symbol.asyncIterator]();

    writer.write(`${good}\n`);
    const first = await pairs.next();
    expect(first.value?.source).toBe(`${path}:1`);

    // Only now does the second line exist.
    writer.end(`${good}\n`);
    await once(writer, 'finish');
    expect((await pairs.next()).value?.source).toBe(`${path}:2`);
    expect((await pairs.next()).done).toBe(true);
  });
});

describe('a bad line, with onBadLine fail', () => {
  it('that is not JSON gives the first line of the parser message', async () => {
    const text = '{"prompt": "a", "chosen": }';
    let parserMessage = '';
    try {
      JSON.parse(text);
    } catch (error) {
      parserMessage = (error as Error).message.split('\n')[0] ?? '';
    }
    expect(parserMessage).not.toBe('');
    expect(await problem([good, text])).toBe(`PATH:2: not valid JSON (${parserMessage})`);
  });

  it('that is not an object', async () => {
    const expected = 'PATH:1: must be a JSON object with prompt, chosen and rejected';
    expect(await problem(['[1, 2]'])).toBe(expected);
    expect(await problem(['"text"'])).toBe(expected);
    expect(await problem(['null'])).toBe(expected);
  });

  it('that lacks a field', async () => {
    expect(await problem([good, '{"prompt": "a", "rejected": "b"}'])).toBe(
      'PATH:2: chosen: missing',
    );
    expect(await problem(['{"chosen": "a", "rejected": "b"}'])).toBe('PATH:1: prompt: missing');
  });

  it('with an empty string or message list', async () => {
    expect(await problem(['{"prompt": "a", "chosen": "", "rejected": "b"}'])).toBe(
      'PATH:1: chosen: is empty',
    );
    expect(await problem(['{"prompt": "", "chosen": "a", "rejected": "b"}'])).toBe(
      'PATH:1: prompt: is empty',
    );
    const user = '[{"role": "user", "content": "q"}]';
    const answer = '[{"role": "assistant", "content": "a"}]';
    expect(await problem([`{"prompt": ${user}, "chosen": ${answer}, "rejected": []}`])).toBe(
      'PATH:1: rejected: is empty',
    );
    // A message list that renders to no text at all is empty too.
    const blank = '[{"role": "assistant", "content": ""}]';
    expect(await problem([`{"prompt": ${user}, "chosen": ${blank}, "rejected": ${answer}}`])).toBe(
      'PATH:1: chosen: is empty',
    );
  });

  it('with a field of the wrong type, naming the JSON type', async () => {
    const line = (chosen: string) => `{"prompt": "a", "chosen": ${chosen}, "rejected": "b"}`;
    const message = (type: string) =>
      `PATH:1: chosen: must be a string or a list of {role, content} messages, got ${type}`;
    expect(await problem([line('3')])).toBe(message('number'));
    expect(await problem([line('true')])).toBe(message('boolean'));
    expect(await problem([line('null')])).toBe(message('null'));
    expect(await problem([line('{"text": "x"}')])).toBe(message('object'));
    expect(await problem(['{"prompt": 1, "chosen": "a", "rejected": "b"}'])).toBe(
      'PATH:1: prompt: must be a string or a list of {role, content} messages, got number',
    );
  });

  it('that mixes strings and message lists', async () => {
    const messages = '[{"role": "assistant", "content": "a"}]';
    expect(await problem([`{"prompt": "q", "chosen": "a", "rejected": ${messages}}`])).toBe(
      'PATH:1: rejected: must be a string like prompt',
    );
    const user = '[{"role": "user", "content": "q"}]';
    expect(await problem([`{"prompt": ${user}, "chosen": "a", "rejected": ${messages}}`])).toBe(
      'PATH:1: chosen: must be a list of messages like prompt',
    );
  });

  it('with a malformed message, naming its index', async () => {
    const user = '[{"role": "user", "content": "q"}]';
    const rejected = '[{"role": "assistant", "content": "b"}]';
    const line = (chosen: string) =>
      `{"prompt": ${user}, "chosen": ${chosen}, "rejected": ${rejected}}`;
    const expected = 'PATH:1: chosen[1]: must be {role, content} with string values';
    expect(await problem([line('[{"role": "assistant", "content": "a"}, {"role": "user"}]')])).toBe(
      expected,
    );
    expect(
      await problem([
        line('[{"role": "assistant", "content": "a"}, {"role": "user", "content": 2}]'),
      ]),
    ).toBe(expected);
    expect(await problem([line('[{"role": "assistant", "content": "a"}, "hi"]')])).toBe(expected);
    expect(await problem([`{"prompt": [null], "chosen": "a", "rejected": "b"}`])).toBe(
      'PATH:1: prompt[0]: must be {role, content} with string values',
    );
  });

  it('whose rejected equals chosen once rendered', async () => {
    expect(await problem(['{"prompt": "q", "chosen": "same", "rejected": "same"}'])).toBe(
      'PATH:1: rejected: equals chosen',
    );
    // Different lists, same text: "A\n<|user|>\nB" both ways.
    const chosen = '[{"role": "assistant", "content": "A\\n<|user|>\\nB"}]';
    const rejected = '[{"role": "assistant", "content": "A"}, {"role": "user", "content": "B"}]';
    const user = '[{"role": "user", "content": "q"}]';
    expect(
      await problem([`{"prompt": ${user}, "chosen": ${chosen}, "rejected": ${rejected}}`]),
    ).toBe('PATH:1: rejected: equals chosen');
  });

  it('whose longer row exceeds the context length, naming the longer completion', async () => {
    // Row = 1 (begin) + 100 prompt bytes + 498 completion bytes + 1 (end) = 600 > 512.
    const prompt = 'p'.repeat(100);
    const long = 'a'.repeat(498);
    const line = (chosen: string, rejected: string) => JSON.stringify({ prompt, chosen, rejected });
    const tooLong = (field: string) =>
      `PATH:1: ${field}: 600 tokens with the prompt, begin and end tokens; ` +
      'the context length is 512';

    expect(await problem([line(long, 'b')])).toBe(tooLong('chosen'));
    expect(await problem([line('b', long)])).toBe(tooLong('rejected'));
    // Equal lengths name chosen.
    expect(await problem([line(long, 'b'.repeat(498))])).toBe(tooLong('chosen'));
  });

  it('passes a row exactly as long as the context length', async () => {
    // 1 + 100 + 410 + 1 = 512.
    const path = await fixtures.write(
      JSON.stringify({ prompt: 'p'.repeat(100), chosen: 'a'.repeat(410), rejected: 'b' }),
    );
    expect(await collect(readPreferenceFile(path, failing))).toHaveLength(1);
  });
});

describe('files that give no pairs', () => {
  it('an empty or blank file has no usable pairs', async () => {
    expect(await problem([''])).toBe('PATH: no usable preference pairs');
    expect(await problem(['', '  ', ''])).toBe('PATH: no usable preference pairs');
  });

  it('a missing file or a directory cannot be read, naming the error code', async () => {
    const missing = join(fixtures.directory, 'absent.jsonl');
    const absent = await rejection(collect(readPreferenceFile(missing, failing)));
    expect(absent).toBeInstanceOf(UserError);
    expect(absent.message).toBe(`${missing}: cannot read the data file (ENOENT)`);

    const folder = await rejection(collect(readPreferenceFile(fixtures.directory, failing)));
    expect(folder.message).toBe(`${fixtures.directory}: cannot read the data file (EISDIR)`);
  });
});

describe('onBadLine skip', () => {
  it('skips bad lines and sums them up in one info line', async () => {
    const logger = recordingLogger();
    const tooLong = JSON.stringify({ prompt: 'q', chosen: 'a'.repeat(20), rejected: 'b' });
    const path = await fixtures.write(
      [good, '{oops', '', tooLong, 'not json', good, ''].join('\n'),
    );
    const pairs = await collect(
      readPreferenceFile(path, { tokenizer, contextLength: 16, onBadLine: 'skip', logger }),
    );

    // Lines 1 and 6 are good; 2 and 5 are not JSON; 4 is 1 + 1 + 20 + 1 = 23 > 16;
    // 3 and 7 are blank, so 5 examples.
    expect(pairs.map((pair) => pair.source)).toEqual([`${path}:1`, `${path}:6`]);
    expect(logger.infos).toEqual([
      `skipped 3 of 5 examples in ${path} (2 not valid JSON, 1 too long)`,
    ]);
    expect(logger.warnings).toEqual([]);
  });

  it('names every reason in a fixed order', async () => {
    const logger = recordingLogger();
    const path = await fixtures.write(
      [
        '{"prompt": "q", "chosen": "same", "rejected": "same"}',
        '{"prompt": "q", "chosen": 1, "rejected": "b"}',
        '{"prompt": "q", "chosen": "a"}',
        '7',
        '{"prompt": "q", "chosen": "a", "rejected": [{"role": "assistant", "content": "b"}]}',
        '{"prompt": [{"role": "user"}], "chosen": [], "rejected": []}',
        '{"prompt": "q", "chosen": "", "rejected": "b"}',
        good,
      ].join('\n'),
    );
    await collect(
      readPreferenceFile(path, { tokenizer, contextLength: 512, onBadLine: 'skip', logger }),
    );

    // The order of badLineReasons: JSON, object, missing, type, layout, message,
    // empty, equal, length.
    expect(logger.infos).toEqual([
      `skipped 7 of 8 examples in ${path} (1 not an object, 1 missing a field, ` +
        '1 with a field of the wrong type, 1 mixing strings and message lists, ' +
        '1 with a malformed message, 1 with an empty field, 1 with rejected equal to chosen)',
    ]);
  });

  it('logs nothing when no line is skipped', async () => {
    const logger = recordingLogger();
    const path = await fixtures.write([good, good].join('\n'));
    const options = { tokenizer, contextLength: 512, onBadLine: 'skip' as const, logger };

    expect(await collect(readPreferenceFile(path, options))).toHaveLength(2);
    expect(logger.infos).toEqual([]);
  });

  it('sums up, then fails, when every line is bad', async () => {
    const logger = recordingLogger();
    const options = { tokenizer, contextLength: 512, onBadLine: 'skip' as const, logger };
    expect(await problem(['{', '[]'], options)).toBe('PATH: no usable preference pairs');
    expect(logger.infos).toHaveLength(1);
    expect(logger.infos[0]).toMatch(
      /^skipped 2 of 2 examples in .* \(1 not valid JSON, 1 not an object\)$/,
    );
  });
});
