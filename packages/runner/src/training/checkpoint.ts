import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tf, UserError } from '@prefopt/core';
import { writeFileAtomic } from '../files.js';

/** Where a run stands: enough, with the config, to continue it exactly. */
export interface TrainingState {
  /** Optimizer steps taken. */
  readonly step: number;
  /** The epoch of the next batch, and its index in that epoch's seeded order. */
  readonly epoch: number;
  readonly batch: number;
  /** Digest of the config the run was started with. */
  readonly configDigest: string;
  /** Whether the run reached its last step. */
  readonly complete: boolean;
}

/** A saved checkpoint: state, policy weights and optimizer moments by name. */
export interface Checkpoint {
  readonly state: TrainingState;
  readonly weights: tf.NamedTensorMap;
  readonly moments: tf.NamedTensorMap;
}

/** The manifest of a weights file: the TensorFlow.js weights-manifest layout. */
interface Manifest {
  readonly format: 'prefopt-weights';
  readonly weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

const stateFile = 'state.json';
const latestFile = 'latest.json';

function directoryName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

async function writeWeights(
  directory: string,
  stem: string,
  tensors: { name: string; tensor: tf.Tensor }[],
) {
  const { data, specs } = await tf.io.encodeWeights(tensors);
  const manifest: Manifest = {
    format: 'prefopt-weights',
    weightsManifest: [{ paths: [`${stem}.bin`], weights: specs }],
  };
  await writeFileAtomic(join(directory, `${stem}.bin`), new Uint8Array(data as ArrayBuffer));
  await writeFileAtomic(join(directory, `${stem}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Reads weights written by `writeWeights` (or any tfjs weights manifest with one group). */
export async function readWeights(directory: string, stem: string): Promise<tf.NamedTensorMap> {
  const manifest = JSON.parse(await readFile(join(directory, `${stem}.json`), 'utf8')) as Manifest;
  const groups = manifest.weightsManifest;
  const buffers = await Promise.all(
    groups.flatMap((group) => group.paths).map((path) => readFile(join(directory, path))),
  );
  const joined = Buffer.concat(buffers);
  const data = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
  return tf.io.decodeWeights(
    data,
    groups.flatMap((group) => group.weights),
  );
}

/**
 * Checkpoints of one run, in `<run>/checkpoints/step-NNNNNNNN/`: the policy
 * weights (`policy.json` and `policy.bin`, a TensorFlow.js weights
 * manifest), the optimizer moments (`optimizer.json`, `optimizer.bin`),
 * `state.json` and the run's `config.json`. Each is written in a temporary
 * directory that is renamed
 * into place, then `latest.json` is replaced in one step, so a crash at any
 * moment leaves the previous checkpoint whole. The newest two are kept.
 */
export class CheckpointStore {
  readonly directory: string;

  constructor(runDirectory: string) {
    this.directory = join(runDirectory, 'checkpoints');
  }

  async save(
    state: TrainingState,
    weights: { name: string; tensor: tf.Tensor }[],
    moments: { name: string; tensor: tf.Tensor }[],
    config: Readonly<Record<string, unknown>>,
  ): Promise<string> {
    const name = directoryName(state.step);
    const staging = join(this.directory, `${name}.partial`);
    const final = join(this.directory, name);
    if (existsSync(final) && !state.complete) {
      // This step is saved already; never remove the checkpoint latest.json may name.
      await writeFileAtomic(
        join(this.directory, latestFile),
        `${JSON.stringify({ checkpoint: name })}\n`,
      );
      return final;
    }
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });

    await writeWeights(staging, 'policy', weights);
    await writeWeights(staging, 'optimizer', moments);
    await writeFileAtomic(join(staging, stateFile), `${JSON.stringify(state, null, 2)}\n`);
    await writeFileAtomic(join(staging, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

    await rm(final, { recursive: true, force: true });
    await rename(staging, final);
    await writeFileAtomic(
      join(this.directory, latestFile),
      `${JSON.stringify({ checkpoint: name })}\n`,
    );
    await this.prune(name);
    return final;
  }

  /** The newest checkpoint's directory, or undefined if the run has none. */
  async latestDirectory(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.directory, latestFile), 'utf8');
    } catch {
      return undefined;
    }
    const { checkpoint } = JSON.parse(text) as { checkpoint: string };
    return join(this.directory, checkpoint);
  }

  /** The newest checkpoint's state alone, or undefined if the run has none. */
  async latestState(): Promise<TrainingState | undefined> {
    const directory = await this.latestDirectory();
    if (directory === undefined) return undefined;
    return JSON.parse(await readFile(join(directory, stateFile), 'utf8')) as TrainingState;
  }

  async load(): Promise<Checkpoint | undefined> {
    const directory = await this.latestDirectory();
    if (directory === undefined) return undefined;
    try {
      const state = JSON.parse(await readFile(join(directory, stateFile), 'utf8')) as TrainingState;
      return {
        state,
        weights: await readWeights(directory, 'policy'),
        moments: await readWeights(directory, 'optimizer'),
      };
    } catch (error) {
      throw new UserError(
        `${directory}: the checkpoint cannot be read (${(error as Error).message})`,
      );
    }
  }

  /** Removes all but the newest two checkpoints and any half-written one. */
  private async prune(newest: string): Promise<void> {
    const entries = (await readdir(this.directory)).filter((entry) => entry.startsWith('step-'));
    const complete = entries.filter((entry) => !entry.endsWith('.partial')).sort();
    const keep = new Set([newest, ...complete.slice(-2)]);
    for (const entry of entries) {
      if (!keep.has(entry)) await rm(join(this.directory, entry), { recursive: true, force: true });
    }
  }
}
