import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/index.js';
import { banditConfig, run, temporaryDirectory, writeConfig } from './support.js';

const directory = temporaryDirectory();

describe('prefopt train user errors', () => {
  async function failure(...argv: string[]): Promise<string> {
    let stderr = '';
    const code = await main(argv, {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
    });
    expect(code).toBe(2);
    // Event lines (the backend chosen, say) may come first; the error is one line, the last.
    const lines = stderr.trimEnd().split('\n');
    expect(
      lines.slice(0, -1).every((line) => /^prefopt: (backend|data|reference)/.test(line)),
    ).toBe(true);
    return lines.at(-1) ?? '';
  }

  it('names the key path of a bad option before any work starts', async () => {
    const config = await writeConfig(
      directory.path,
      'bad-alpha',
      banditConfig(4).replace('alpha: 0.8', 'alpha: 0'),
    );
    const output = join(directory.path, 'bad-alpha');
    expect(await failure('train', '--config', config, '--set', `output=${output}`)).toBe(
      `prefopt: ${config}: objective.alpha: must be number > 0, got 0`,
    );
    expect(existsSync(output)).toBe(false);
  });

  it('stops at a bad data line with file:line, leaving no run directory', async () => {
    const data = join(directory.path, 'pairs.jsonl');
    await writeFile(
      data,
      '{"prompt": "1+1=", "chosen": "2", "rejected": "3"}\n{"prompt": "2+2=", "chosen": "4"}\n',
    );
    const config = await writeConfig(
      directory.path,
      'bad-data',
      `objective: dpo
policy: { name: transformer, layers: 1, width: 8, heads: 2, contextLength: 12 }
data: { train: { name: jsonl, path: pairs.jsonl } }
training: { steps: 1, batchSize: 1 }
`,
    );
    const output = join(directory.path, 'bad-data');
    expect(await failure('train', '--config', config, '--set', `output=${output}`)).toBe(
      `prefopt: ${data}:2: rejected: missing`,
    );
    expect(existsSync(output)).toBe(false);
  });

  it('says when a --set value is not valid YAML, or the policy does not fit the data', async () => {
    const config = await writeConfig(directory.path, 'bad-set', banditConfig(4));
    expect(await failure('train', '--config', config, '--set', 'objective.alpha=[')).toMatch(
      /^prefopt: --set objective\.alpha=\[: the value is not valid YAML \(/,
    );
    expect(
      await failure(
        'train',
        '--config',
        config,
        '--set',
        `output=${join(directory.path, 'misfit')}`,
        '--set',
        'policy.prompts=2',
      ),
    ).toMatch(/^prefopt: tabular: prompts \+ candidates \+ 3 special tokens \(9\) must equal/);
  });

  it('lists the objectives when the name is unknown', async () => {
    const config = await writeConfig(directory.path, 'bad-name', banditConfig(4));
    expect(await failure('train', '--config', config, '--set', 'objective.name=kto')).toBe(
      `prefopt: ${config}: objective.name: unknown objective 'kto' ` +
        '(known: dpo, hdpo, hinge, ipo, mix, orpo, robust, sft, simpo)',
    );
  });

  it('refuses steps and epochs together, and unknown sections', async () => {
    const both = await writeConfig(directory.path, 'both', banditConfig(4));
    expect(await failure('train', '--config', both, '--set', 'training.epochs=2')).toBe(
      `prefopt: ${both}: training: give steps or epochs, not both`,
    );
    const extra = await writeConfig(
      directory.path,
      'extra',
      `${banditConfig(4)}\nevaluation: {}\n`,
    );
    expect(await failure('train', '--config', extra)).toMatch(
      new RegExp(`^prefopt: ${extra}: evaluation: unknown section \\(allowed: seed, backend`),
    );
  });

  it('refuses to train over an existing run, and to resume with another config', async () => {
    const config = await writeConfig(directory.path, 'existing', banditConfig(2));
    const output = join(directory.path, 'existing');
    await run({ config, set: [`output=${output}`] });
    expect(await failure('train', '--config', config, '--set', `output=${output}`)).toMatch(
      /already holds a run; continue it with --resume/,
    );
    expect(
      await failure(
        'train',
        '--resume',
        output,
        '--config',
        config,
        '--set',
        'objective.alpha=0.5',
      ),
    ).toMatch(/the checkpoint is from another config/);
  });

  it('validates and prints the resolved config with --dry-run, writing nothing', async () => {
    const config = await writeConfig(directory.path, 'dry', banditConfig(4));
    const output = join(directory.path, 'dry');
    let stdout = '';
    const code = await main(
      ['train', '--config', config, '--dry-run', '--set', `output=${output}`],
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true },
      },
    );
    expect(code).toBe(0);
    expect(stdout).toContain('name: hdpo');
    expect(stdout).toContain('optimizer: adamw');
    expect(stdout).toContain('gradientAccumulation: 2');
    expect(existsSync(output)).toBe(false);
  });
});
