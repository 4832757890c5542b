import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend a kernel written in JavaScript needs. */
interface WasmBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

/**
 * UnsortedSegmentSum: out[s, ...] = sum of x[i, ...] over the i whose segment
 * id is s. tfjs 4.22 ships no wasm kernel for it, and the gradient of
 * tf.gather (embeddings, tf.layers.embedding) is built on it, so without
 * this, gather cannot be trained on wasm. Runs in JavaScript on the wasm heap.
 */
const unsortedSegmentSum: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc({ inputs, backend, attrs }) {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const segments = (attrs as { numSegments: number }).numSegments;
    const wasm = backend as unknown as WasmBackend;

    const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
    const inner = x.shape.slice(segmentIds.shape.length).reduce((a, b) => a * b, 1);
    const values = wasm.readSync(x.dataId) as tf.backend_util.TypedArray;
    const ids = wasm.readSync(segmentIds.dataId) as tf.backend_util.TypedArray;

    const output = wasm.makeOutput([segments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
    const sums = wasm.typedArrayFromHeap(output);
    sums.fill(0);
    for (let row = 0; row < rows; row++) {
      const segment = ids[row] ?? -1;
      if (segment < 0 || segment >= segments) continue; // tf drops out-of-range ids
      for (let k = 0; k < inner; k++) {
        sums[segment * inner + k] =
          (sums[segment * inner + k] ?? 0) + (values[row * inner + k] ?? 0);
      }
    }
    return output;
  },
};

/** Adds the kernels the wasm backend lacks for training; safe to call more than once. */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel(unsortedSegmentSum.kernelName, 'wasm') === undefined) {
    tf.registerKernel(unsortedSegmentSum);
  }
}
