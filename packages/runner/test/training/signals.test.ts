import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { banditConfig, metrics, temporaryDirectory, writeConfig } from './support.js';

const directory = temporaryDirectory();

describe('prefopt train with real signals', () => {
  const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('finishes the step on %s, checkpoints, and exits %i', async (signal, code) => {
    expect(existsSync(cli), 'build first: pnpm build').toBe(true);
    const config = await writeConfig(
      directory.path,
      `signal-${signal}`,
      banditConfig(1_000_000).replace('evalEvery: 3', 'evalEvery: 0'),
    );
    const output = join(directory.path, `signal-${signal}`);
    const child = spawn(process.execPath, [
      cli,
      'train',
      '--config',
      config,
      '--set',
      `output=${output}`,
    ]);
    let stderr = '';
    const exited = new Promise<number | null>((done) => child.on('exit', done));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Signal once training is under way: the first progress line is out.
      if (stderr.includes('step 10/') && !child.killed) child.kill(signal);
    });

    expect(await exited).toBe(code);
    expect(stderr).toContain(`${signal}: finishing the step and writing a checkpoint`);
    const latest = JSON.parse(await readFile(join(output, 'checkpoints', 'latest.json'), 'utf8'));
    const state = JSON.parse(
      await readFile(join(output, 'checkpoints', latest.checkpoint, 'state.json'), 'utf8'),
    );
    const steps = (await metrics(output)).map((record) => record.step ?? 0);
    expect(state.complete).toBe(false);
    expect(state.step).toBe(Math.max(...steps));
    expect(state.step).toBeGreaterThanOrEqual(10);
  });
});
