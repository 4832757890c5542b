import { describe, expect, it } from 'vitest';
import {
  listOf,
  number,
  OptionsError,
  object,
  oneOf,
  optional,
  string,
  UserError,
} from '../src/index.js';

const options = object({
  beta: number({ description: 'strength', greaterThan: 0, default: 0.1 }),
  smoothing: number({ description: 'flip rate', atLeast: 0, lessThan: 0.5, default: 0 }),
  steps: number({ description: 'steps', atLeast: 1, integer: true }),
  optimizer: oneOf(['adam', 'adamw'], { description: 'optimizer', default: 'adam' }),
});

function problem(value: unknown): string {
  try {
    options.parse(value, 'objective');
  } catch (error) {
    expect(error).toBeInstanceOf(OptionsError);
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error('expected the value to be rejected');
}

describe('object schemas', () => {
  it('fill in defaults and keep given values', () => {
    expect(options.parse({ steps: 3, beta: 0.5 }, 'objective')).toEqual({
      beta: 0.5,
      smoothing: 0,
      steps: 3,
      optimizer: 'adam',
    });
  });

  it('name the field and the allowed range when a value is out of range', () => {
    expect(problem({ steps: 1, beta: 0 })).toBe('objective.beta: must be number > 0, got 0');
    expect(problem({ steps: 1, beta: -1 })).toBe('objective.beta: must be number > 0, got -1');
    expect(problem({ steps: 1, smoothing: 0.5 })).toBe(
      'objective.smoothing: must be number in [0, 0.5), got 0.5',
    );
    expect(problem({ steps: 1, smoothing: -0.1 })).toBe(
      'objective.smoothing: must be number in [0, 0.5), got -0.1',
    );
    expect(problem({ steps: 1.5 })).toBe('objective.steps: must be integer >= 1, got 1.5');
  });

  it('reject wrong types, saying what was given', () => {
    expect(problem({ steps: 1, beta: '0.1' })).toBe(
      'objective.beta: must be number > 0, got "0.1"',
    );
    expect(problem({ steps: 1, beta: Number.NaN })).toBe(
      'objective.beta: must be number > 0, got NaN',
    );
    expect(problem({ steps: 1, optimizer: 'sgd' })).toBe(
      'objective.optimizer: must be one of adam, adamw, got "sgd"',
    );
    expect(problem([1])).toBe('objective: must be an object, got a list');
  });

  it('reject unknown keys, listing the allowed ones', () => {
    expect(problem({ steps: 1, alhpa: 0.9 })).toBe(
      'objective.alhpa: unknown option (allowed: beta, smoothing, steps, optimizer)',
    );
  });

  it('require fields that have no default', () => {
    expect(problem({})).toBe('objective.steps: is required (integer >= 1)');
  });

  it('treat an absent object as empty, so defaults apply', () => {
    const defaults = object({ beta: number({ description: 'b', greaterThan: 0, default: 2 }) });
    expect(defaults.parse(undefined, 'objective')).toEqual({ beta: 2 });
  });

  it('leave an optional field undefined when absent, and check it when present', () => {
    const schema = object({
      length: optional(number({ description: 'l', integer: true, atLeast: 2 })),
    });
    expect(schema.parse({}, 'policy')).toEqual({ length: undefined });
    expect(schema.parse({ length: 8 }, 'policy')).toEqual({ length: 8 });
    expect(() => schema.parse({ length: 1 }, 'policy')).toThrow(
      'policy.length: must be integer >= 2, got 1',
    );
    expect(schema.fields.length.constraint).toBe('integer >= 2, optional');
  });

  it('refuse a list shorter than its minimum length', () => {
    const operations = listOf(oneOf(['+', '*'], { description: 'op' }), {
      description: 'ops',
      minLength: 1,
    });
    expect(operations.constraint).toBe('a non-empty list, each one of +, *');
    expect(() => operations.parse([], 'data.operations')).toThrow(
      'data.operations: must have at least 1 item(s), each one of +, *',
    );
  });

  it('check each item of a list with its index in the path', () => {
    const plugins = listOf(string({ description: 'module' }), {
      description: 'modules',
      default: [],
    });
    expect(plugins.parse(undefined, 'plugins')).toEqual([]);
    expect(plugins.parse(['a', 'b'], 'plugins')).toEqual(['a', 'b']);
    expect(() => plugins.parse(['a', 3], 'plugins')).toThrow('plugins[1]: must be a string, got 3');
    expect(() => plugins.parse('a', 'plugins')).toThrow(
      'plugins: must be a list, each a string, got "a"',
    );
  });
});
