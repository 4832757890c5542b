import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@prefopt/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMetrics, readMetrics } from '../../src/report/index.js';

const lines = (...rows: string[]) => rows.join('\n');

/** The UserError a call throws, so a test can check its one line. */
function userErrorOf(call: () => unknown): UserError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a UserError, and nothing was thrown');
}

describe('parseMetrics', () => {
  it('separates training lines from evaluation lines, keeping file order', () => {
    const metrics = parseMetrics(
      lines(
        '{"step":1,"epoch":0,"loss":0.7,"rewards/margins":0.1}',
        '{"step":1,"eval/loss":0.69,"eval/entropy":2.1}',
        '{"step":2,"epoch":0,"loss":0.6}',
        '',
      ),
      'run/metrics.jsonl',
    );
    expect(metrics.train).toEqual([
      { step: 1, epoch: 0, loss: 0.7, 'rewards/margins': 0.1 },
      { step: 2, epoch: 0, loss: 0.6 },
    ]);
    expect(metrics.eval).toEqual([{ step: 1, 'eval/loss': 0.69, 'eval/entropy': 2.1 }]);
  });

  it('leaves out null, missing and non-numeric metrics, and numbers too large for a double', () => {
    // 1e999 parses to Infinity, which no chart or table can show.
    const metrics = parseMetrics(
      '{"step":3,"loss":null,"entropy":1.5,"note":"warmup","grad_norm":1e999}\n',
      'm.jsonl',
    );
    expect(metrics.train).toEqual([{ step: 3, entropy: 1.5 }]);
  });

  it('ignores a partial last line, as a run killed mid-write leaves', () => {
    const metrics = parseMetrics(
      lines('{"step":1,"loss":0.7}', '{"step":2,"loss":0.6}', '{"step":3,"lo'),
      'm.jsonl',
    );
    expect(metrics.train.map((row) => row.step)).toEqual([1, 2]);
  });

  it('ignores a partial last line followed by blank lines, and skips blank lines', () => {
    const metrics = parseMetrics(lines('{"step":1}', '', '{"step":2}', '{"st', '', ''), 'm.jsonl');
    expect(metrics.train.map((row) => row.step)).toEqual([1, 2]);
  });

  it('takes a complete last line without a newline', () => {
    const metrics = parseMetrics(lines('{"step":1}', '{"step":2,"loss":0.5}'), 'm.jsonl');
    expect(metrics.train[1]).toEqual({ step: 2, loss: 0.5 });
  });

  it('names the file and line of a bad line before the last', () => {
    // Line 1 is fine, line 2 is cut short, line 3 follows it: line 2 is an error.
    const error = userErrorOf(() =>
      parseMetrics(lines('{"step":1}', '{"step":2,', '{"step":3}'), 'runs/a/metrics.jsonl'),
    );
    expect(error.message).toBe('runs/a/metrics.jsonl:2: not valid JSON');
  });

  it('counts blank lines in the line number', () => {
    const error = userErrorOf(() =>
      parseMetrics(lines('{"step":1}', '', 'oops', '{"step":2}'), 'm'),
    );
    expect(error.message).toBe('m:3: not valid JSON');
  });

  it('requires a whole-number step and an object on every line', () => {
    expect(userErrorOf(() => parseMetrics('{"loss":0.5}\n', 'm')).message).toBe(
      'm:1: "step" must be a whole number, 0 or more (it is missing)',
    );
    expect(userErrorOf(() => parseMetrics('{"step":1.5}\n', 'm')).message).toMatch(/^m:1: "step"/);
    expect(userErrorOf(() => parseMetrics('[1,2]\n{"step":1}', 'm')).message).toBe(
      'm:1: expected a JSON object of metrics',
    );
  });
});

describe('readMetrics', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'prefopt-metrics-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('reads a metrics file from disk', async () => {
    const path = join(directory, 'metrics.jsonl');
    await writeFile(path, lines('{"step":1,"loss":0.7}', '{"step":1,"eval/loss":0.8}', '{"ste'));
    const metrics = await readMetrics(path);
    expect(metrics.train).toEqual([{ step: 1, loss: 0.7 }]);
    expect(metrics.eval).toEqual([{ step: 1, 'eval/loss': 0.8 }]);
  });

  it('names the path and asks whether it is a run directory when the file is missing', async () => {
    const path = join(directory, 'metrics.jsonl');
    const failure = readMetrics(path);
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow(
      `${path}: no such file; is ${directory} a run directory?`,
    );
  });
});
