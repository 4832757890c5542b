import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  collatePairs,
  collateSharedPairs,
  type Logger,
  type Policy,
  rowLength,
  type SpecialTokens,
  silentLogger,
  type TokenizedPair,
  tf,
  toTokenBatch,
} from '@prefopt/core';

/** The reference model's summed log-probs of every pair's completions, by pair index. */
export interface ReferenceLogProbs {
  readonly chosen: Float32Array;
  readonly rejected: Float32Array;
}

export interface ReferenceCacheOptions {
  /** Pairs scored per forward pass. */
  readonly batchSize: number;
  /** A run directory: results are also kept there, and found again by later runs. */
  readonly directory?: string;
  readonly logger?: Logger;
}

/** A digest of the pairs' token ids and of the reference's weights. */
function cacheKey(
  reference: Policy,
  pairs: readonly TokenizedPair[],
  special: SpecialTokens,
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify([special.beginId, special.endId, special.paddingId]));
  for (const pair of pairs) {
    hash.update(JSON.stringify([pair.prompt, pair.chosen, pair.rejected]));
  }
  for (const variable of reference.variables) {
    hash.update(JSON.stringify(variable.shape));
    hash.update(new Uint8Array((variable.dataSync() as Float32Array).buffer));
  }
  return hash.digest('hex').slice(0, 32);
}

/** Scores every pair, in batches of similar length so little is padding. */
function scoreAll(
  reference: Policy,
  pairs: readonly TokenizedPair[],
  special: SpecialTokens,
  batchSize: number,
): ReferenceLogProbs {
  const longest = (pair: TokenizedPair) =>
    Math.max(
      rowLength({ prompt: pair.prompt, completion: pair.chosen }),
      rowLength({ prompt: pair.prompt, completion: pair.rejected }),
    );
  const order = pairs
    .map((_, i) => i)
    .sort((a, b) => longest(pairs[a] as TokenizedPair) - longest(pairs[b] as TokenizedPair));
  const chosen = new Float32Array(pairs.length);
  const rejected = new Float32Array(pairs.length);

  for (let start = 0; start < order.length; start += batchSize) {
    const indices = order.slice(start, start + batchSize);
    const batch = indices.map((i) => pairs[i] as TokenizedPair);
    // Scored as the trainer scores the policy, so that the two agree exactly
    // where their weights do (at the first step, the margins are 0).
    const logProbs = tf.tidy(
      () =>
        (
          reference.scorePairs?.(collateSharedPairs(batch, special)) ??
          reference.score(toTokenBatch(collatePairs(batch, special)))
        ).logProbs,
    );
    const values = logProbs.dataSync(); // (2P): chosen rows, then rejected rows
    logProbs.dispose();
    indices.forEach((pairIndex, k) => {
      chosen[pairIndex] = values[k] ?? Number.NaN;
      rejected[pairIndex] = values[indices.length + k] ?? Number.NaN;
    });
  }
  return { chosen, rejected };
}

/**
 * Reference log-probs, computed once per dataset and reference weights and
 * then served from memory, or from a run directory across runs. Training
 * steps read the cache and never run the reference model.
 */
export class ReferenceCache {
  private readonly memory = new Map<string, ReferenceLogProbs>();

  async logProbs(
    reference: Policy,
    pairs: readonly TokenizedPair[],
    special: SpecialTokens,
    options: ReferenceCacheOptions,
  ): Promise<ReferenceLogProbs> {
    const logger = options.logger ?? silentLogger;
    const key = cacheKey(reference, pairs, special);
    const held = this.memory.get(key);
    if (held !== undefined) return held;

    const file =
      options.directory === undefined ? undefined : join(options.directory, `reference-${key}.f32`);
    const stored = file === undefined ? undefined : await readStored(file, pairs.length);
    if (stored !== undefined) {
      logger.info(`reference log-probs: read ${pairs.length} pairs from ${file}`);
      this.memory.set(key, stored);
      return stored;
    }

    const computed = scoreAll(reference, pairs, special, options.batchSize);
    if (file !== undefined && options.directory !== undefined) {
      await mkdir(options.directory, { recursive: true });
      const bytes = new Float32Array([...computed.chosen, ...computed.rejected]);
      // Written whole to a temporary name, then renamed: a crash leaves no half file.
      await writeFile(`${file}.tmp`, new Uint8Array(bytes.buffer));
      await rename(`${file}.tmp`, file);
    }
    logger.info(`reference log-probs: scored ${pairs.length} pairs once`);
    this.memory.set(key, computed);
    return computed;
  }
}

async function readStored(file: string, pairs: number): Promise<ReferenceLogProbs | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined;
  }
  if (bytes.byteLength !== pairs * 2 * 4) return undefined;
  const values = new Float32Array(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  return { chosen: values.slice(0, pairs), rejected: values.slice(pairs) };
}
