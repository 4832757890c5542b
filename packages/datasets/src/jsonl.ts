import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Logger, type TokenizedPair, type Tokenizer, UserError } from '@prefopt/core';
import { assertContextLength } from './context-length.js';
import { type BadLineReason, badLineReasons, tokenizeLine } from './line.js';

export interface PreferenceFileOptions {
  readonly tokenizer: Tokenizer;
  /** The longest row a policy takes; a pair whose longer row exceeds it is a bad line. */
  readonly contextLength: number;
  /** fail (the default): throw at the first bad line. skip: skip bad lines, log a count. */
  readonly onBadLine?: 'fail' | 'skip';
  /** Where the summary of skipped lines goes. */
  readonly logger: Logger;
}

/** A physical line of a file and its 1-based number. */
interface NumberedLine {
  readonly text: string;
  readonly number: number;
}

const byteOrderMark = '\uFEFF';

/** A line of JSON whitespace only; CR and LF are gone once the file is split into lines. */
const blank = /^[ \t]*$/;

/**
 * The file's lines as a stream, numbered from 1. Splits on LF, CRLF and a
 * lone CR, and drops a byte-order mark at the start of the file.
 */
async function* numberedLines(path: string): AsyncGenerator<NumberedLine> {
  const input = createReadStream(path, { encoding: 'utf8' });
  // crlfDelay: Infinity keeps a CRLF split across two chunks one line end.
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  try {
    for await (const line of lines) {
      number++;
      const text = number === 1 && line.startsWith(byteOrderMark) ? line.slice(1) : line;
      yield { text, number };
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (typeof code !== 'string') throw error;
    throw new UserError(`${path}: cannot read the data file (${code})`);
  } finally {
    lines.close();
    input.destroy();
  }
}

/** One line summing up the skipped lines by reason, in the order `badLineReasons` lists. */
function skipSummary(
  path: string,
  examples: number,
  skipped: ReadonlyMap<BadLineReason, number>,
): string {
  let total = 0;
  const parts: string[] = [];
  for (const reason of Object.keys(badLineReasons) as BadLineReason[]) {
    const count = skipped.get(reason) ?? 0;
    total += count;
    if (count > 0) parts.push(`${count} ${badLineReasons[reason]}`);
  }
  return `skipped ${total} of ${examples} examples in ${path} (${parts.join(', ')})`;
}

/**
 * Reads a JSONL file of preference pairs as a stream, one line at a time,
 * and yields each usable line as a tokenized pair with source "PATH:LINE".
 *
 * Each line is an object with `prompt`, `chosen` and `rejected`: three
 * strings, or three lists of `{role, content}` messages rendered with the
 * chat template (template.ts). Other keys are ignored. Blank lines are
 * skipped but counted in line numbers; a byte-order mark and CRLF line ends
 * are accepted. A bad line gets one of these messages, LINE being 1-based:
 *
 *   PATH:LINE: not valid JSON (<first line of the parser's message>)
 *   PATH:LINE: must be a JSON object with prompt, chosen and rejected
 *   PATH:LINE: chosen: missing
 *   PATH:LINE: chosen: must be a string or a list of {role, content} messages, got number
 *   PATH:LINE: rejected: must be a string like prompt
 *   PATH:LINE: rejected: must be a list of messages like prompt
 *   PATH:LINE: chosen: is empty
 *   PATH:LINE: chosen[1]: must be {role, content} with string values
 *   PATH:LINE: rejected: equals chosen
 *   PATH:LINE: chosen: 600 tokens with the prompt, begin and end tokens; the context length is 512
 *
 * With onBadLine 'fail' the first bad line throws a UserError with its
 * message. With 'skip' bad lines are passed over, and once the file is read
 * one info line sums them up by reason ("skipped 3 of 120 examples in PATH
 * (2 not valid JSON, 1 too long)"). A file without a usable pair, or one
 * that cannot be read, is a UserError too.
 *
 * Limitation: bytes that are not UTF-8 are read as U+FFFD rather than
 * reported, because the line reader decodes the stream before it splits it.
 */
export async function* readPreferenceFile(
  path: string,
  options: PreferenceFileOptions,
): AsyncGenerator<TokenizedPair> {
  assertContextLength(options.contextLength);
  const onBadLine = options.onBadLine ?? 'fail';
  const skipped = new Map<BadLineReason, number>();
  let examples = 0;
  let usable = 0;

  for await (const line of numberedLines(path)) {
    if (blank.test(line.text)) continue;
    examples++;

    const outcome = tokenizeLine(line.text, options);
    if ('reason' in outcome) {
      if (onBadLine === 'fail') throw new UserError(`${path}:${line.number}: ${outcome.problem}`);
      skipped.set(outcome.reason, (skipped.get(outcome.reason) ?? 0) + 1);
      continue;
    }

    usable++;
    yield { ...outcome.pair, source: `${path}:${line.number}` };
  }

  if (skipped.size > 0) options.logger.info(skipSummary(path, examples, skipped));
  if (usable === 0) throw new UserError(`${path}: no usable preference pairs`);
}
