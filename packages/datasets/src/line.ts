import type { Message, TokenizedPair, Tokenizer } from '@prefopt/core';
import { renderCompletion, renderPrompt } from './template.js';

/**
 * Why a line of a preference file was not used, each with how the summary of
 * skipped lines counts it ("2 not valid JSON"). The summary lists them in
 * this order.
 */
export const badLineReasons = {
  json: 'not valid JSON',
  object: 'not an object',
  missing: 'missing a field',
  type: 'with a field of the wrong type',
  layout: 'mixing strings and message lists',
  message: 'with a malformed message',
  empty: 'with an empty field',
  equal: 'with rejected equal to chosen',
  length: 'too long',
} as const;

export type BadLineReason = keyof typeof badLineReasons;

/** A line that is not a usable pair: the reason, and the message after `PATH:LINE: `. */
export interface BadLine {
  readonly reason: BadLineReason;
  readonly problem: string;
}

/** What a line yields: a pair (without a source yet) or why it is bad. */
export type LineOutcome = { readonly pair: TokenizedPair } | BadLine;

export interface LineOptions {
  readonly tokenizer: Tokenizer;
  readonly contextLength: number;
}

const fields = ['prompt', 'chosen', 'rejected'] as const;
type Field = (typeof fields)[number];

/** A field's value once checked: the string layout, or the conversational one. */
type FieldValue = string | readonly Message[];

function bad(reason: BadLineReason, problem: string): BadLine {
  return { reason, problem };
}

/** The JSON type of a value, as the messages name it. */
function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value;
}

function isMessage(value: unknown): value is Message {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return typeof record.role === 'string' && typeof record.content === 'string';
}

/**
 * Checks one field. `prompt` is the prompt's checked value, which decides
 * the layout the completions must follow; undefined when checking the prompt.
 */
function checkField(
  field: Field,
  value: unknown,
  prompt: FieldValue | undefined,
): FieldValue | BadLine {
  if (value === undefined) return bad('missing', `${field}: missing`);
  if (typeof value !== 'string' && !Array.isArray(value)) {
    return bad(
      'type',
      `${field}: must be a string or a list of {role, content} messages, got ${jsonKind(value)}`,
    );
  }

  if (prompt !== undefined && typeof prompt === 'string' && typeof value !== 'string') {
    return bad('layout', `${field}: must be a string like prompt`);
  }
  if (prompt !== undefined && typeof prompt !== 'string' && typeof value === 'string') {
    return bad('layout', `${field}: must be a list of messages like prompt`);
  }

  if (value.length === 0) return bad('empty', `${field}: is empty`);
  if (typeof value === 'string') return value;

  const index = value.findIndex((item) => !isMessage(item));
  if (index >= 0) {
    return bad('message', `${field}[${index}]: must be {role, content} with string values`);
  }
  return value as Message[];
}

function isBad(value: FieldValue | BadLine): value is BadLine {
  return typeof value === 'object' && 'reason' in value;
}

/** The texts a tokenizer encodes: strings as they are, messages through the chat template. */
function render(field: Field, value: FieldValue): string {
  if (typeof value === 'string') return value;
  return field === 'prompt' ? renderPrompt(value) : renderCompletion(value);
}

/**
 * Parses, checks and tokenizes one non-blank line of a preference file. The
 * checks run in the order of the messages in `readPreferenceFile`'s doc
 * comment, field by field, so a line reports its first problem only.
 */
export function tokenizeLine(text: string, options: LineOptions): LineOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const parserMessage = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return bad('json', `not valid JSON (${parserMessage})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return bad('object', 'must be a JSON object with prompt, chosen and rejected');
  }

  const record = parsed as Record<string, unknown>;
  const values: Partial<Record<Field, FieldValue>> = {};
  for (const field of fields) {
    const checked = checkField(field, record[field], values.prompt);
    if (isBad(checked)) return checked;
    values[field] = checked;
  }

  const texts = {
    prompt: render('prompt', values.prompt as FieldValue),
    chosen: render('chosen', values.chosen as FieldValue),
    rejected: render('rejected', values.rejected as FieldValue),
  };
  return checkTokens(texts, options);
}

/** The checks that need the rendered texts and their token ids. */
function checkTokens(texts: Record<Field, string>, options: LineOptions): LineOutcome {
  const { tokenizer, contextLength } = options;
  const prompt = tokenizer.encode(texts.prompt);
  const chosen = tokenizer.encode(texts.chosen);
  const rejected = tokenizer.encode(texts.rejected);

  // A message list whose contents are all empty renders to no tokens at all.
  if (chosen.length === 0) return bad('empty', 'chosen: is empty');
  if (rejected.length === 0) return bad('empty', 'rejected: is empty');
  if (texts.chosen === texts.rejected) return bad('equal', 'rejected: equals chosen');

  // The longer row: begin token, prompt, the longer completion, end token.
  const longer = rejected.length > chosen.length ? 'rejected' : 'chosen';
  const rowLength = 1 + prompt.length + Math.max(chosen.length, rejected.length) + 1;
  if (rowLength > contextLength) {
    return bad(
      'length',
      `${longer}: ${rowLength} tokens with the prompt, begin and end tokens; ` +
        `the context length is ${contextLength}`,
    );
  }

  return { pair: { prompt, chosen, rejected } };
}
