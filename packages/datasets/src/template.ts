/**
 * The chat template: how conversational pairs (lists of `{role, content}`
 * messages) become the text a tokenizer encodes.
 *
 * Prompt: each message as `<|role|>` newline, its content, newline; then
 * `<|assistant|>` newline, which opens the turn the completion fills.
 *
 *   [{role: "system", content: "Be brief."}, {role: "user", content: "Hi"}]
 *   -> "<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\n"
 *
 * Completion: each assistant message as its content alone; any other
 * message as `<|role|>` newline and its content; the messages joined with a
 * newline, with none at the end (the end token closes the completion).
 *
 *   [{role: "assistant", content: "Hello."}]               -> "Hello."
 *   [{role: "assistant", content: "A"}, {role: "user", content: "B"}]
 *                                                          -> "A\n<|user|>\nB"
 *
 * A single assistant message thus renders exactly as its content, the same
 * text a pair in the string layout would hold.
 */
import type { Message } from '@prefopt/core';

/** The header that starts a turn: `<|role|>` and a newline. */
function header(role: string): string {
  return `<|${role}|>\n`;
}

/**
 * The text of a conversational prompt: every message as header, content and
 * newline, then the assistant header (see the template at the top of this file).
 */
export function renderPrompt(messages: readonly Message[]): string {
  const turns = messages.map((message) => `${header(message.role)}${message.content}\n`);
  return `${turns.join('')}${header('assistant')}`;
}

/**
 * The text of a conversational completion: assistant messages as their
 * content, others with their header too, joined with newlines (see the
 * template at the top of this file).
 */
export function renderCompletion(messages: readonly Message[]): string {
  const turns = messages.map((message) =>
    message.role === 'assistant' ? message.content : `${header(message.role)}${message.content}`,
  );
  return turns.join('\n');
}
