import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  // Legacy (experimentalDecorators) decorators, as tsc compiles them, for tsyringe.
  oxc: { decorator: { legacy: true, emitDecoratorMetadata: true } },
  resolve: {
    // Tests run against each package's sources, not its build.
    alias: [{ find: /^@prefopt\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` }],
  },
  test: {
    setupFiles: ['test/setup.ts'],
    globalSetup: ['test/build.ts'],
    testTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'cpu',
          include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/*.test.ts'],
          env: { PREFOPT_TEST_BACKEND: 'cpu' },
        },
      },
      {
        // The objectives and their laws again on WebAssembly, the backend
        // most users train on.
        extends: true,
        test: {
          name: 'wasm',
          include: [
            'packages/objective-*/test/**/*.test.ts',
            'packages/policies/test/**/*.test.ts',
            'packages/core/test/sequence.test.ts',
            'test/laws/**/*.test.ts',
          ],
          env: { PREFOPT_TEST_BACKEND: 'wasm' },
        },
      },
    ],
  },
});
