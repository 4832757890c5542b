import { copyFile, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { streamProgress } from '../../src/training/progress.js';
import { banditConfig, metrics, prefopt, run, temporaryDirectory, writeConfig } from './support.js';

const directory = temporaryDirectory();
const likelihood = fileURLToPath(new URL('../fixtures/plugins/likelihood.mjs', import.meta.url));

describe('run options', () => {
  it('skips the reference entirely for a reference-free objective from a plugin', async () => {
    await copyFile(likelihood, join(directory.path, 'likelihood.mjs'));
    const config = await writeConfig(
      directory.path,
      'free',
      banditConfig(4)
        .replace('objective: { name: hdpo, alpha: 0.8, beta: 0.5 }', 'objective: chosen-likelihood')
        .concat('plugins: [./likelihood.mjs]\n'),
    );
    const output = join(directory.path, 'free');
    expect(await run({ config, set: [`output=${output}`] })).toBe(0);

    expect((await readdir(output)).filter((file) => file.startsWith('reference-'))).toEqual([]);
    const losses = (await metrics(output)).flatMap((r) => (r.loss === undefined ? [] : [r.loss]));
    expect(losses).toHaveLength(4);
    // The chosen candidate's likelihood rises, so its per-token loss falls.
    expect(losses[3]).toBeLessThan(losses[0] ?? 0);
  });

  it('takes the reference from another run with reference.run', async () => {
    const first = join(directory.path, 'first');
    await run({
      config: await writeConfig(directory.path, 'first', banditConfig(6)),
      set: [`output=${first}`],
    });

    // Starting from the trained run as reference, the policy's first implied
    // rewards, beta (alpha log pi - log pi_ref), are no longer zero-margin.
    const fresh = join(directory.path, 'fresh');
    const againstFirst = join(directory.path, 'against-first');
    const config = await writeConfig(directory.path, 'second', banditConfig(1));
    await run({ config, set: [`output=${fresh}`] });
    await run({ config, set: [`output=${againstFirst}`, `reference.run=${first}`] });
    const [freshStep] = await metrics(fresh);
    const [againstStep] = await metrics(againstFirst);
    expect(freshStep?.['rewards/chosen']).not.toBe(againstStep?.['rewards/chosen']);
    // The policy itself still starts where the config says: the same log-probs.
    expect(againstStep?.['logps/chosen']).toBe(freshStep?.['logps/chosen']);
  });

  it('draws a report of a run, and names a directory that is not one', async () => {
    const output = join(directory.path, 'first');
    const result = await prefopt('report', output);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${join(output, 'report.svg')}\n${join(output, 'report.md')}\n`);
    expect(await readFile(join(output, 'report.md'), 'utf8')).toContain('| loss |');

    const missing = await prefopt('report', join(directory.path, 'nowhere'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^prefopt: .*nowhere.*\n$/);
    expect((await prefopt('report')).stderr).toBe(
      'prefopt: report: give one run directory: prefopt report RUN_DIR\n',
    );
  });
});

describe('progress display', () => {
  const record = { loss: 0.5, 'rewards/accuracies': 0.75, pairs_per_second: 12.5 };

  it('prints a plain line every few steps and at the last when not on a terminal', () => {
    let text = '';
    const progress = streamProgress({ write: (chunk: string) => (text += chunk) }, 2, () => 0);
    for (let step = 1; step <= 5; step++) progress.step(step, 5, record);
    progress.event('checkpoint at step 5');
    expect(text.split('\n').filter(Boolean)).toEqual([
      'prefopt: step 2/5 loss 0.5000 acc 0.75 12.5 pairs/s eta 0:00',
      'prefopt: step 4/5 loss 0.5000 acc 0.75 12.5 pairs/s eta 0:00',
      'prefopt: step 5/5 loss 0.5000 acc 0.75 12.5 pairs/s eta 0:00',
      'prefopt: checkpoint at step 5',
    ]);
  });

  it('redraws one bar in place on a terminal, clearing it for events', () => {
    let text = '';
    let now = 0;
    const stream = { isTTY: true, write: (chunk: string) => (text += chunk) };
    const progress = streamProgress(stream, 10, () => now);
    now = 1000;
    progress.step(1, 4, record);
    now = 2000;
    progress.step(2, 4, record);
    progress.event('eval at step 2');
    progress.end();
    // Two steps in 2 s: 1 s a step, so 2 steps left take 0:02.
    expect(text).toBe(
      '[#####---------------] step 1/4 loss 0.5000 acc 0.75 12.5 pairs/s eta 0:03' +
        '\r\u001b[2K[##########----------] step 2/4 loss 0.5000 acc 0.75 12.5 pairs/s eta 0:02' +
        '\r\u001b[2Kprefopt: eval at step 2\n',
    );
  });
});

describe('a tabular policy started from the task', () => {
  it("starts at the bandit's reference distribution with start: task", async () => {
    const output = join(directory.path, 'start-task');
    const config = await writeConfig(
      directory.path,
      'start-task',
      banditConfig(1).replace(
        'policy: { name: tabular, prompts: 3, candidates: 4 }',
        'policy: { name: tabular, prompts: 3, candidates: 4, start: task }',
      ),
    );
    expect(await run({ config, set: [`output=${output}`] })).toBe(0);
    const [first] = await metrics(output);
    // Step 1 scores the starting policy, which is the reference: H-DPO's implied
    // reward beta (alpha log pi - log pi_ref) is then beta (alpha - 1) log pi_ref =
    // 0.5 * -0.2 * log pi_ref, and the log-probs are pi_ref's, not log 1/4.
    expect(first?.['rewards/chosen']).toBeCloseTo(-0.1 * (first?.['logps/chosen'] ?? 0), 5);
    expect(first?.['logps/chosen']).not.toBeCloseTo(Math.log(1 / 4), 2);

    const wrong = await prefopt(
      'train',
      '--config',
      config,
      '--set',
      'data.train=arithmetic',
      '--set',
      `output=${join(directory.path, 'start-wrong')}`,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trimEnd().split('\n').at(-1)).toBe(
      "prefopt: policy.start: 'task' needs a dataset with a reference distribution, such as bandit",
    );
  });
});

describe('a weighted mix of objectives in config', () => {
  const mix = (parts: string) =>
    banditConfig(2).replace(
      'objective: { name: hdpo, alpha: 0.8, beta: 0.5 }',
      `objective: { name: mix, parts: ${parts} }`,
    );

  it('trains with DPO plus a likelihood term on the chosen completion', async () => {
    const output = join(directory.path, 'mix');
    const config = await writeConfig(
      directory.path,
      'mix',
      mix('[{ name: dpo, beta: 0.5 }, { name: sft, weight: 0.2 }]'),
    );
    expect(await run({ config, set: [`output=${output}`] })).toBe(0);
    const [first] = await metrics(output);
    // At step 1 the policy is the reference, so DPO's loss is log 2, its rewards 0; the
    // SFT term adds 0.2 * -logps/chosen (one candidate token per completion, so
    // tokens = 2 with the end token, whose log-prob the tabular policy puts at 0).
    expect(first?.loss).toBeCloseTo(Math.LN2 + (0.2 * -(first?.['logps/chosen'] ?? 0)) / 2, 5);
    expect(first?.['rewards/chosen']).toBe(0);
  });

  it('checks each part with its own schema, naming the path', async () => {
    const bad = await writeConfig(directory.path, 'mix-bad', mix('[{ name: dpo, beta: 0 }]'));
    const unknown = await writeConfig(
      directory.path,
      'mix-unknown',
      mix('[{ name: dpo }, { name: dop }]'),
    );
    const badResult = await prefopt('train', '--config', bad);
    expect(badResult.stderr.trimEnd()).toBe(
      `prefopt: ${bad}: objective.parts[0].beta: must be number > 0, got 0`,
    );
    const unknownResult = await prefopt('train', '--config', unknown);
    expect(unknownResult.stderr.trimEnd()).toMatch(
      new RegExp(
        `^prefopt: ${unknown}: objective\\.parts\\[1\\]\\.name: ` +
          "unknown objective 'dop' \\(known: dpo, hdpo, hinge",
      ),
    );
  });
});
