import { readFile } from 'node:fs/promises';
import { UserError } from '@prefopt/core';

/**
 * Reads a JSON file that must hold an object, such as a run's config.json.
 * A missing file gives undefined, since a run directory may lack it; a file
 * that is there but unreadable or not a JSON object is an error naming it.
 */
export async function readJsonObject(path: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new UserError(`${path}: cannot read the file (${code ?? String(error)})`);
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UserError(`${path}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}
