import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const builtCli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

async function prefopt(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

/** Asserts a user error: exit code 2, nothing on stdout, one line on stderr. */
async function userError(...argv: string[]): Promise<string> {
  const result = await prefopt(...argv);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.endsWith('\n')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  return result.stderr.trimEnd();
}

describe('prefopt list', () => {
  it('lists objectives, policies and datasets with every option, range and default', async () => {
    const { code, stdout } = await prefopt('list');
    expect(code).toBe(0);
    expect(stdout).toContain('  dpo: Direct Preference Optimization');
    expect(stdout).toContain('  hdpo: H-DPO');
    expect(stdout).toMatch(/ {4}labelSmoothing {2}number in \[0, 0\.5\), default 0\n/);
    expect(stdout).toMatch(/ {4}alpha {2}number > 0, default 0\.9\n/);
    expect(stdout).toContain('  transformer: a small causal decoder-only transformer');
    expect(stdout).toContain('  bandit: seeded bandit');
  });

  it('gives the same listing as JSON', async () => {
    const { stdout } = await prefopt('list', '--json');
    const listing = JSON.parse(stdout) as { kind: string; name: string; options: unknown[] }[];
    expect(listing.map((p) => `${p.kind}:${p.name}`)).toEqual([
      'objective:dpo',
      'objective:hdpo',
      'objective:hinge',
      'objective:ipo',
      'objective:mix',
      'objective:orpo',
      'objective:robust',
      'objective:sft',
      'objective:simpo',
      'policy:layers-model',
      'policy:tabular',
      'policy:transformer',
      'dataset:arithmetic',
      'dataset:bandit',
      'dataset:jsonl',
    ]);
    expect(listing[1]?.options).toEqual([
      {
        name: 'alpha',
        constraint: 'number > 0',
        default: 0.9,
        description: 'entropy control: < 1 sharpens the policy, > 1 flattens it, 1 is DPO',
      },
      {
        name: 'beta',
        constraint: 'number > 0',
        default: 0.1,
        description: 'inverse temperature: how strongly the policy is held near the reference',
      },
    ]);
  });

  it.each(['with-plugin.yaml', 'with-plugin.json'])(
    'adds the plugins a config names (%s), marked with their source',
    async (file) => {
      const { code, stdout } = await prefopt('list', '--config', `${fixtures}${file}`);
      expect(code).toBe(0);
      expect(stdout).toContain(
        '  hinge-example: hinge loss on the log-ratio margin (a test plugin)' +
          '  [from ./plugins/hinge.mjs]',
      );
      expect(stdout).toContain('  dpo: ');
    },
  );
});

describe('prefopt help and --version', () => {
  it('prints the usage and the version of the runner package', async () => {
    expect((await prefopt('help')).stdout).toContain('prefopt list [--config FILE] [--json]');
    expect((await prefopt()).stdout).toContain('Usage:');
    expect(await prefopt('--version')).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
  });
});

describe('user errors exit 2 with one line', () => {
  it('an unknown command lists the commands', async () => {
    expect(await userError('trian')).toBe(
      "prefopt: unknown command 'trian' " +
        '(commands: demo, train, eval, pairs, report, list, backend, help; see prefopt help)',
    );
  });

  it('an unknown flag names the command', async () => {
    expect(await userError('list', '--confg', 'x')).toMatch(
      /^prefopt: list: Unknown option '--confg'/,
    );
  });

  it('a missing config file is named', async () => {
    expect(await userError('list', '--config', `${fixtures}nope.yaml`)).toBe(
      `prefopt: ${fixtures}nope.yaml: cannot read the config file (ENOENT)`,
    );
  });

  it('a config syntax error gives the file and line', async () => {
    expect(await userError('list', '--config', `${fixtures}broken.yaml`)).toMatch(
      new RegExp(`^prefopt: ${fixtures}broken\\.yaml:3:1: Flow sequence in block collection`),
    );
  });

  it('plugins must be a list', async () => {
    expect(await userError('list', '--config', `${fixtures}plugins-not-a-list.yaml`)).toBe(
      `prefopt: ${fixtures}plugins-not-a-list.yaml: plugins: must be a list, each a string, ` +
        'got "./plugins/hinge.mjs"',
    );
  });

  it('a plugin module that does not exist is named', async () => {
    expect(await userError('list', '--config', `${fixtures}missing-plugin.yaml`)).toBe(
      `prefopt: plugin module './plugins/missing.mjs' not found ` +
        `(looked for ${fixtures}plugins/missing.mjs)`,
    );
  });

  it('a plugin may not take a built-in name', async () => {
    expect(await userError('list', '--config', `${fixtures}shadows-dpo.yaml`)).toBe(
      "prefopt: objective 'dpo' from ./plugins/shadows-dpo.mjs is already registered " +
        '(from built-in); plugin names must be unique',
    );
  });

  it('an unknown backend lists the backends', async () => {
    expect(await userError('backend', '--backend', 'gpu')).toBe(
      'prefopt: --backend: must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, got "gpu"',
    );
  });
});

describe('the built prefopt command', () => {
  function spawn(...argv: string[]) {
    expect(existsSync(builtCli), 'build first: pnpm build').toBe(true);
    return spawnSync(process.execPath, [builtCli, ...argv], { encoding: 'utf8' });
  }

  it('lists a config plugin loaded with a plain Node import', () => {
    const result = spawn('list', '--config', `${fixtures}with-plugin.yaml`);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('hinge-example: hinge loss');
    expect(result.stdout).toContain('hdpo: H-DPO');
  });

  it('exits 2 with one line on a user error', () => {
    const result = spawn('list', '--config', `${fixtures}missing-plugin.yaml`);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      `prefopt: plugin module './plugins/missing.mjs' not found ` +
        `(looked for ${fixtures}plugins/missing.mjs)`,
    ]);
  });

  it('names the backend it chose and why it skipped the others', () => {
    const result = spawn('backend', '--backend', 'auto');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^(tensorflow-gpu|tensorflow|wasm)\n$/);
    expect(result.stderr).toMatch(/^prefopt: backend: \S+.*\n$/);
  });
});
