import * as tf from '@tensorflow/tfjs';
import { UserError } from './errors.js';
import type { Logger } from './logger.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

/** The backends a config can ask for. `auto` takes the fastest that loads. */
export const backendNames = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;

export type BackendName = (typeof backendNames)[number];
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

/** Imports a module by name; replaceable so tests can stand in for native packages. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export interface BackendChoice {
  readonly backend: ConcreteBackend;
  /** The backends tried before it, and why each could not be used. */
  readonly skipped: readonly { readonly backend: ConcreteBackend; readonly reason: string }[];
}

interface Candidate {
  readonly backend: ConcreteBackend;
  /** The package that provides it, imported for its side effect of registering. */
  readonly module?: string;
  /** The name tfjs registers it under. */
  readonly tfName: string;
  /** Runs once the module is loaded, before the backend is made current. */
  readonly prepare?: () => void;
}

const candidates: readonly Candidate[] = [
  { backend: 'tensorflow-gpu', module: '@tensorflow/tfjs-node-gpu', tfName: 'tensorflow' },
  { backend: 'tensorflow', module: '@tensorflow/tfjs-node', tfName: 'tensorflow' },
  {
    backend: 'wasm',
    module: '@tensorflow/tfjs-backend-wasm',
    tfName: 'wasm',
    prepare: registerWasmTrainingKernels,
  },
  { backend: 'cpu', tfName: 'cpu' },
];

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

function notInstalled(error: unknown, module: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  return missing && firstLine(error).includes(module);
}

/** Loads one backend and makes it current; returns why it cannot be used, if so. */
async function tryBackend(
  candidate: Candidate,
  importModule: ModuleImporter,
): Promise<string | undefined> {
  if (candidate.module !== undefined && tf.findBackend(candidate.tfName) === null) {
    try {
      await importModule(candidate.module);
    } catch (error) {
      return notInstalled(error, candidate.module)
        ? `${candidate.module} is not installed`
        : `${candidate.module} failed to load: ${firstLine(error)}`;
    }
  }

  candidate.prepare?.();
  try {
    if (!(await tf.setBackend(candidate.tfName))) {
      return `tfjs could not initialise the '${candidate.tfName}' backend`;
    }
    await tf.ready();
  } catch (error) {
    return `tfjs could not initialise the '${candidate.tfName}' backend: ${firstLine(error)}`;
  }
  return undefined;
}

/**
 * Makes a TensorFlow.js backend current. `auto` tries the native GPU
 * package, the native CPU package, WebAssembly, then plain JavaScript, and
 * takes the first that loads. An explicit backend that cannot load is an
 * error rather than a silent fallback. Logs one line naming the choice and
 * why each skipped backend was skipped.
 *
 * Limitation: tfjs-node-gpu runs on the CPU when CUDA is missing and offers
 * no way to list devices, so `tensorflow-gpu` cannot prove a GPU is in use.
 */
export async function selectBackend(
  requested: BackendName,
  logger: Logger,
  importModule: ModuleImporter = (specifier) => import(specifier),
): Promise<BackendChoice> {
  // Production mode stops tfjs printing its install advice to the console.
  tf.enableProdMode();

  const tried =
    requested === 'auto' ? candidates : candidates.filter((c) => c.backend === requested);
  const skipped: { backend: ConcreteBackend; reason: string }[] = [];

  for (const candidate of tried) {
    const reason = await tryBackend(candidate, importModule);
    if (reason === undefined) {
      const why = skipped.map((s) => `${s.backend} skipped: ${s.reason}`).join('; ');
      logger.info(`backend: ${candidate.backend}${why === '' ? '' : ` (${why})`}`);
      return { backend: candidate.backend, skipped };
    }
    if (requested !== 'auto') {
      throw new UserError(
        `backend '${requested}' is not available: ${reason} (or use backend: auto)`,
      );
    }
    skipped.push({ backend: candidate.backend, reason });
  }

  // Unreachable while the cpu backend ships inside @tensorflow/tfjs.
  throw new Error(`no TensorFlow.js backend could be loaded: ${JSON.stringify(skipped)}`);
}
