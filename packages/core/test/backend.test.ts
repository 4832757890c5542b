import { afterAll, describe, expect, it } from 'vitest';
import { type Logger, type ModuleImporter, selectBackend, tf, UserError } from '../src/index.js';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (line) => lines.push(line), warn: (line) => lines.push(line) };
}

/** Stands in for a machine where the native packages are absent, as Node reports it. */
const withoutNative: ModuleImporter = async (specifier) => {
  if (specifier.startsWith('@tensorflow/tfjs-node')) {
    const error = new Error(`Cannot find package '${specifier}' imported from /somewhere`);
    Object.assign(error, { code: 'ERR_MODULE_NOT_FOUND' });
    throw error;
  }
  return import(specifier);
};

/** Stands in for tfjs-node-gpu installed without its CUDA libraries. */
const brokenGpu: ModuleImporter = async (specifier) => {
  if (specifier === '@tensorflow/tfjs-node-gpu') {
    throw new Error('libcudart.so.11.0: cannot open shared object file\nmore detail');
  }
  return withoutNative(specifier);
};

describe('selectBackend', () => {
  const initial = tf.getBackend();
  afterAll(async () => {
    await tf.setBackend(initial);
  });

  it('auto skips missing native packages, takes wasm, and says why in one line', async () => {
    const logger = recordingLogger();
    const choice = await selectBackend('auto', logger, withoutNative);

    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(logger.lines).toEqual([
      'backend: wasm (tensorflow-gpu skipped: @tensorflow/tfjs-node-gpu is not installed; ' +
        'tensorflow skipped: @tensorflow/tfjs-node is not installed)',
    ]);
  });

  it('auto reports a native package that is installed but fails to load', async () => {
    const choice = await selectBackend('auto', recordingLogger(), brokenGpu);
    expect(choice.skipped[0]).toEqual({
      backend: 'tensorflow-gpu',
      reason:
        '@tensorflow/tfjs-node-gpu failed to load: ' +
        'libcudart.so.11.0: cannot open shared object file',
    });
  });

  it('auto with the real importer falls back past this machine’s missing packages', async () => {
    const choice = await selectBackend('auto', recordingLogger());
    // CI has no native TensorFlow binaries; a machine with them would pick tensorflow.
    expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(choice.backend);
  });

  it('an explicit backend that cannot load is an error, not a fallback', async () => {
    const attempt = selectBackend('tensorflow-gpu', recordingLogger(), withoutNative);
    await expect(attempt).rejects.toBeInstanceOf(UserError);
    await expect(selectBackend('tensorflow', recordingLogger(), withoutNative)).rejects.toThrow(
      "backend 'tensorflow' is not available: @tensorflow/tfjs-node is not installed " +
        '(or use backend: auto)',
    );
  });

  it('an explicit cpu or wasm backend is used and logged without skips', async () => {
    for (const backend of ['cpu', 'wasm'] as const) {
      const logger = recordingLogger();
      const choice = await selectBackend(backend, logger, withoutNative);
      expect(choice).toEqual({ backend, skipped: [] });
      expect(tf.getBackend()).toBe(backend);
      expect(logger.lines).toEqual([`backend: ${backend}`]);
    }
  });
});
