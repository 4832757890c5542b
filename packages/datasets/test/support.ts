import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@prefopt/core';

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The message of the error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

/** A logger that keeps what it is told, to assert on. */
export function recordingLogger(): Logger & {
  readonly infos: string[];
  readonly warnings: string[];
} {
  const infos: string[] = [];
  const warnings: string[] = [];
  return {
    infos,
    warnings,
    info: (message) => infos.push(message),
    warn: (message) => warnings.push(message),
  };
}

/** A temporary directory for fixture files; `remove` deletes it with them. */
export async function fixtureDirectory() {
  const directory = await mkdtemp(join(tmpdir(), 'prefopt-datasets-'));
  let count = 0;
  return {
    directory,
    /** Writes a fixture file with exactly this content and returns its path. */
    async write(content: string, name = `data-${++count}.jsonl`): Promise<string> {
      const path = join(directory, name);
      await writeFile(path, content, 'utf8');
      return path;
    },
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}

/** UTF-8 bytes of a text by Node's Buffer: an encoder independent of the tokenizer. */
export function utf8(text: string): number[] {
  return Array.from(Buffer.from(text, 'utf8'));
}
