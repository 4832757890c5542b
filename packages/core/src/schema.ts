import { OptionsError } from './errors.js';

/**
 * A validator for one plugin option or a whole options object. It checks a
 * value from a config file, fills in defaults, and describes itself for
 * `prefopt list`. Errors name the dotted key path of the bad value.
 */
export interface Schema<T> {
  /** One-line description of what the value means. */
  readonly description: string;
  /** The type and allowed values, such as "number > 0". */
  readonly constraint: string;
  /** The value used when the key is absent; undefined when it is required. */
  readonly defaultValue: T | undefined;
  parse(value: unknown, path: string): T;
}

/** The options type a schema produces. */
export type Infer<S> = S extends Schema<infer T> ? T : never;

interface Common<T> {
  readonly description: string;
  readonly default?: T;
}

export interface NumberRange {
  /** Exclusive lower bound. */
  readonly greaterThan?: number;
  /** Inclusive lower bound. */
  readonly atLeast?: number;
  /** Exclusive upper bound. */
  readonly lessThan?: number;
  /** Inclusive upper bound. */
  readonly atMost?: number;
  readonly integer?: boolean;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function leaf<T>(
  common: Common<T>,
  constraint: string,
  check: (value: unknown) => T | undefined,
): Schema<T> {
  return {
    description: common.description,
    constraint,
    defaultValue: common.default,
    parse(value, path) {
      if (value === undefined) {
        if (common.default !== undefined) return common.default;
        throw new OptionsError(path, `is required (${constraint})`);
      }
      const parsed = check(value);
      if (parsed === undefined) {
        throw new OptionsError(path, `must be ${constraint}, got ${show(value)}`);
      }
      return parsed;
    },
  };
}

function rangeText(range: NumberRange): string {
  const { greaterThan, atLeast, lessThan, atMost } = range;
  const kind = range.integer ? 'integer' : 'number';
  const low = greaterThan ?? atLeast;
  const high = lessThan ?? atMost;
  if (low !== undefined && high !== undefined) {
    const open = greaterThan !== undefined ? '(' : '[';
    const close = lessThan !== undefined ? ')' : ']';
    return `${kind} in ${open}${low}, ${high}${close}`;
  }
  if (greaterThan !== undefined) return `${kind} > ${greaterThan}`;
  if (atLeast !== undefined) return `${kind} >= ${atLeast}`;
  if (lessThan !== undefined) return `${kind} < ${lessThan}`;
  if (atMost !== undefined) return `${kind} <= ${atMost}`;
  return `finite ${kind}`;
}

function inRange(x: number, range: NumberRange): boolean {
  if (!Number.isFinite(x)) return false;
  if (range.integer && !Number.isInteger(x)) return false;
  if (range.greaterThan !== undefined && !(x > range.greaterThan)) return false;
  if (range.atLeast !== undefined && !(x >= range.atLeast)) return false;
  if (range.lessThan !== undefined && !(x < range.lessThan)) return false;
  if (range.atMost !== undefined && !(x <= range.atMost)) return false;
  return true;
}

/** A finite number, optionally bounded. */
export function number(options: Common<number> & NumberRange): Schema<number> {
  return leaf(options, rangeText(options), (value) =>
    typeof value === 'number' && inRange(value, options) ? value : undefined,
  );
}

export function boolean(options: Common<boolean>): Schema<boolean> {
  return leaf(options, 'true or false', (value) =>
    typeof value === 'boolean' ? value : undefined,
  );
}

export function string(options: Common<string>): Schema<string> {
  return leaf(options, 'a string', (value) => (typeof value === 'string' ? value : undefined));
}

/** One of a fixed list of strings. */
export function oneOf<const Values extends readonly string[]>(
  values: Values,
  options: Common<Values[number]>,
): Schema<Values[number]> {
  const constraint = `one of ${values.join(', ')}`;
  return leaf(options, constraint, (value) =>
    values.includes(value as string) ? (value as Values[number]) : undefined,
  );
}

/** A value that may be left out: absent stays undefined instead of taking a default. */
export function optional<T>(inner: Schema<T>): Schema<T | undefined> {
  return {
    description: inner.description,
    constraint: `${inner.constraint}, optional`,
    defaultValue: undefined,
    parse: (value, path) => (value === undefined ? undefined : inner.parse(value, path)),
  };
}

/** A list whose every item passes `item`, with at least `minLength` items. */
export function listOf<T>(
  item: Schema<T>,
  options: Common<T[]> & { readonly minLength?: number },
): Schema<T[]> {
  const minLength = options.minLength ?? 0;
  const constraint = `${minLength > 0 ? 'a non-empty list' : 'a list'}, each ${item.constraint}`;
  return {
    description: options.description,
    constraint,
    defaultValue: options.default,
    parse(value, path) {
      if (value === undefined && options.default !== undefined) return [...options.default];
      if (!Array.isArray(value)) {
        throw new OptionsError(path, `must be ${constraint}, got ${show(value)}`);
      }
      if (value.length < minLength) {
        throw new OptionsError(
          path,
          `must have at least ${minLength} item(s), each ${item.constraint}`,
        );
      }
      return value.map((entry, index) => item.parse(entry, `${path}[${index}]`));
    },
  };
}

export type Fields = Record<string, Schema<unknown>>;
export type ObjectOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** The schema of an object with named fields; its `fields` are listed by `prefopt list`. */
export interface ObjectSchema<F extends Fields> extends Schema<ObjectOf<F>> {
  readonly fields: F;
}

/**
 * An object with exactly these fields. An absent object counts as empty, so
 * every field takes its default; an unknown key is an error that lists the
 * keys allowed.
 */
export function object<F extends Fields>(fields: F, description = ''): ObjectSchema<F> {
  const allowed = Object.keys(fields);
  return {
    fields,
    description,
    constraint: 'an object',
    defaultValue: undefined,
    parse(value, path) {
      const source = value === undefined ? {} : value;
      if (typeof source !== 'object' || source === null || Array.isArray(source)) {
        throw new OptionsError(path, `must be an object, got ${show(value)}`);
      }
      const record = source as Record<string, unknown>;
      const prefix = path === '' ? '' : `${path}.`;

      for (const key of Object.keys(record)) {
        if (!allowed.includes(key)) {
          const choices =
            allowed.length === 0 ? 'it takes no options' : `allowed: ${allowed.join(', ')}`;
          throw new OptionsError(`${prefix}${key}`, `unknown option (${choices})`);
        }
      }

      const result: Record<string, unknown> = {};
      for (const key of allowed) {
        result[key] = (fields[key] as Schema<unknown>).parse(record[key], `${prefix}${key}`);
      }
      return result as ObjectOf<F>;
    },
  };
}
