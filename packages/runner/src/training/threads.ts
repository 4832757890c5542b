import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ConcreteBackend, type tf, UserError } from '@prefopt/core';
import type { Shard } from './shard.js';

/** What a training thread needs to build the run's objective and policy for itself. */
export interface ThreadRecipe {
  /** The run config as a config file holds it (plugins, objective, policy, data). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Where relative paths in the config are resolved from. */
  readonly baseDirectory: string;
  /** The backend the main thread trains on. */
  readonly backend: ConcreteBackend;
}

/** A shard's gradients, one array per trainable variable in order, and its summed figures. */
export interface ShardResult {
  readonly gradients: readonly Float32Array[];
  readonly figures: Float64Array;
}

/**
 * Threads that take shares of each batch off the main thread: each computes
 * the gradients of its shard with the current weights, and the trainer adds
 * them to its own. The loss is a sum over pairs, so the sum of the shards'
 * gradients is the batch's gradient; only float32 rounding of that one
 * addition differs from computing the batch in one piece.
 */
export interface TrainingThreads {
  /** Shards computed besides the main thread's own. */
  readonly count: number;
  /**
   * Hands out one shard per thread, with the policy's current weights; at
   * most `count` shards. The weights are read before this returns, so the
   * caller may compute its own shard while the threads work.
   */
  gradients(shards: readonly Shard[], pairCount: number): Promise<ShardResult[]>;
  /** Stops the threads. */
  close(): Promise<void>;
}

/** The main thread alone. */
export const mainThreadOnly: TrainingThreads = {
  count: 0,
  gradients: () => Promise.resolve([]),
  close: () => Promise.resolve(),
};

/**
 * The work of a micro-batch, as trainable weights times the tokens of its
 * rows at full context, below which sharing it does not pay: the weights are
 * copied to every thread each step. Measured on 2 cores, wasm: 135,000
 * weights on 16 pairs of 16 tokens (7e7) ran no faster on two threads; the
 * bench's small case (2.8e8) ran 1.35 times as fast.
 */
const smallestShared = 1e8;

/**
 * The threads a step uses, the main thread included: `threads` itself when a
 * number (more than 1 only on wasm or cpu); for `auto`, one per core up to 4
 * on the wasm and cpu backends (which compute on one thread each), and 1 for
 * the native backends (which use every core already) or a micro-batch too
 * small to gain.
 */
export function threadCount(
  threads: number | 'auto',
  backend: ConcreteBackend,
  work: { readonly trainableWeights: number; readonly tokens: number },
  cores = availableParallelism(),
): number {
  const single = backend !== 'wasm' && backend !== 'cpu';
  if (threads !== 'auto') {
    if (threads > 1 && single) {
      throw new UserError(
        `training.threads: ${threads} threads need the wasm or cpu backend; ` +
          `${backend} uses every core already (set threads: auto or 1)`,
      );
    }
    return threads;
  }
  const small = work.trainableWeights * work.tokens < smallestShared;
  return single || small ? 1 : Math.max(1, Math.min(cores, 4));
}

/** The work of a micro-batch of a policy, as `threadCount` takes it. */
export function microBatchWork(
  variables: readonly tf.Variable[],
  contextLength: number,
  batchSize: number,
) {
  const trainable = variables.filter((variable) => variable.trainable);
  return {
    trainableWeights: trainable.reduce((sum, variable) => sum + variable.size, 0),
    tokens: 2 * batchSize * contextLength,
  };
}

/**
 * The compiled worker script. Tests run this module from its TypeScript
 * source, and Node runs only JavaScript in a worker, so from source it is the
 * build output's copy (`pnpm build` first).
 */
function workerScript(): string {
  const here = fileURLToPath(import.meta.url);
  const script = here.endsWith('.ts')
    ? here.replace(/[\\/]src[\\/]training[\\/]threads\.ts$/, '/dist/training/thread-worker.js')
    : here.replace(/threads\.js$/, 'thread-worker.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: build the project first`);
  return script;
}

/** Messages between the main thread and a training thread. */
export type ToThread = {
  readonly type: 'step';
  readonly shard: Shard;
  readonly pairCount: number;
  /** Every variable's weights are in the buffer (the first step), not only the trainable ones'. */
  readonly allWeights: boolean;
};
export type FromThread =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly figures: Float64Array }
  | {
      readonly type: 'failed';
      readonly message: string;
      readonly stack: string | undefined;
      readonly userError: boolean;
    };

/** Where each variable's values lie in a shared buffer of float32s. */
export interface Layout {
  readonly shapes: readonly (readonly number[])[];
  readonly offsets: readonly number[];
  readonly total: number;
}

export function layoutOf(variables: readonly tf.Variable[]): Layout {
  const offsets: number[] = [];
  let total = 0;
  for (const variable of variables) {
    offsets.push(total);
    total += variable.size;
  }
  return { shapes: variables.map((variable) => variable.shape), offsets, total };
}

/** Views of each variable's part of a shared buffer. */
export function viewsOf(buffer: SharedArrayBuffer, layout: Layout): Float32Array[] {
  return layout.shapes.map(
    (shape, i) =>
      new Float32Array(
        buffer,
        (layout.offsets[i] ?? 0) * 4,
        shape.reduce((a, b) => a * b, 1),
      ),
  );
}

/** What a training thread is started with. */
export interface ThreadData {
  readonly recipe: ThreadRecipe;
  /** Every variable of the policy, in its order, and which of them train. */
  readonly layout: Layout;
  readonly trainable: readonly boolean[];
  readonly weightBuffer: SharedArrayBuffer;
  /** The trainable variables' gradients. */
  readonly gradientBuffer: SharedArrayBuffer;
}

interface Pending {
  resolve(message: FromThread): void;
  reject(error: Error): void;
}

/** One worker thread and the reply it is waiting for. */
class Thread {
  private pending: Pending | undefined;
  private failure: Error | undefined;
  /** Whether the thread has had every variable's weights, the frozen ones included. */
  synced = false;

  constructor(
    readonly index: number,
    private readonly worker: Worker,
    readonly gradients: Float32Array[],
  ) {
    worker.on('message', (message: FromThread) => {
      this.settle()?.resolve(message);
    });
    const fail = (error: Error) => {
      this.failure ??= error;
      this.settle()?.reject(this.failure);
    };
    worker.on('error', (error) => fail(new Error(`training thread ${index}: ${error.message}`)));
    worker.on('messageerror', (error) =>
      fail(new Error(`training thread ${index}: a message could not be read (${error.message})`)),
    );
    worker.on('exit', (code) => fail(new Error(`training thread ${index} stopped (exit ${code})`)));
    // Held only while a reply is awaited, so a run that forgets to close its threads still exits.
    worker.unref();
  }

  private settle(): Pending | undefined {
    const pending = this.pending;
    this.pending = undefined;
    this.worker.unref();
    return pending;
  }

  /** The thread's next message, after posting `message` when given. */
  reply(message?: ToThread): Promise<FromThread> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const answer = new Promise<FromThread>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
    this.worker.ref();
    if (message !== undefined) this.worker.postMessage(message);
    return answer;
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error(`training thread ${this.index} was closed`);
    await this.worker.terminate();
  }
}

/** The error a thread reported, with the thread's own stack where it is a bug. */
function failure(thread: Thread, message: FromThread): Error {
  if (message.type !== 'failed') {
    return new Error(`training thread ${thread.index}: unexpected '${message.type}'`);
  }
  const text = `training thread ${thread.index}: ${message.message}`;
  if (message.userError) return new UserError(text);
  const error = new Error(text);
  if (message.stack !== undefined) {
    error.stack = `${text}\n${message.stack.split('\n').slice(1).join('\n')}`;
  }
  return error;
}

/** Worker threads, each with its own copy of the objective and policy built from the run config. */
export class WorkerThreads implements TrainingThreads {
  private constructor(
    private readonly threads: readonly Thread[],
    private readonly variables: readonly tf.Variable[],
    private readonly weights: Float32Array[],
  ) {}

  get count(): number {
    return this.threads.length;
  }

  /**
   * Starts `count` threads and waits until each has built its policy.
   * `variables` are all of the policy's, in order: the trainable ones get
   * new weights every step, the others once.
   */
  static async start(
    count: number,
    recipe: ThreadRecipe,
    variables: readonly tf.Variable[],
  ): Promise<WorkerThreads> {
    const layout = layoutOf(variables);
    const trainable = variables.map((variable) => variable.trainable);
    const gradientLayout = layoutOf(variables.filter((variable) => variable.trainable));
    const weightBuffer = new SharedArrayBuffer(layout.total * 4);
    const script = workerScript();
    const threads: Thread[] = [];
    const started = new WorkerThreads(threads, variables, viewsOf(weightBuffer, layout));
    try {
      for (let index = 1; index <= count; index++) {
        const gradientBuffer = new SharedArrayBuffer(gradientLayout.total * 4);
        const workerData: ThreadData = { recipe, layout, trainable, weightBuffer, gradientBuffer };
        const worker = new Worker(script, { workerData });
        threads.push(new Thread(index, worker, viewsOf(gradientBuffer, gradientLayout)));
      }
      await Promise.all(
        threads.map(async (thread) => {
          const message = await thread.reply();
          if (message.type !== 'ready') throw failure(thread, message);
        }),
      );
    } catch (error) {
      await started.close();
      throw error;
    }
    return started;
  }

  gradients(shards: readonly Shard[], pairCount: number): Promise<ShardResult[]> {
    if (shards.length > this.threads.length) {
      throw new Error(`${shards.length} shards for ${this.threads.length} training threads`);
    }
    const receiving = this.threads.slice(0, shards.length);
    // Frozen weights go out once, to each thread on its first step.
    const allWeights = receiving.some((thread) => !thread.synced);
    this.variables.forEach((variable, i) => {
      if (allWeights || variable.trainable) {
        this.weights[i]?.set(variable.dataSync() as Float32Array);
      }
    });
    return Promise.all(
      receiving.map(async (thread, i) => {
        const shard = shards[i] as Shard;
        const message = await thread.reply({
          type: 'step',
          shard,
          pairCount,
          allWeights: !thread.synced,
        });
        if (message.type !== 'done') throw failure(thread, message);
        thread.synced = true;
        // Copies: the thread writes its next shard's gradients over these.
        return { gradients: thread.gradients.map((g) => g.slice()), figures: message.figures };
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.terminate()));
  }
}
