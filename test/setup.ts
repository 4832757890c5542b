import { type BackendName, backendNames, selectBackend, silentLogger, tf } from '@prefopt/core';
import fc from 'fast-check';

const tfBackendOf = (name: BackendName) => (name.startsWith('tensorflow') ? 'tensorflow' : name);

// Tests run on the plain JavaScript backend unless PREFOPT_TEST_BACKEND names another.
const requested = (process.env.PREFOPT_TEST_BACKEND ?? 'cpu') as BackendName;
if (!backendNames.includes(requested)) {
  throw new Error(`PREFOPT_TEST_BACKEND must be one of ${backendNames.join(', ')}`);
}
await selectBackend(requested, silentLogger);
if (tfBackendOf(requested) !== tf.getBackend()) {
  throw new Error(`tests asked for the ${requested} backend but run on ${tf.getBackend()}`);
}

// PREFOPT_PROPERTY_RUNS=1000 runs every property that many times, to shake out rare failures.
const propertyRuns = Number(process.env.PREFOPT_PROPERTY_RUNS ?? 0);
if (propertyRuns > 0) fc.configureGlobal({ numRuns: propertyRuns });
