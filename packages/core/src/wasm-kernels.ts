import * as tf from '@tensorflow/tfjs';

/** The parts of the wasm backend a kernel written in JavaScript needs. */
interface WasmBackend {
  readSync(dataId: tf.DataId): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  disposeData(dataId: tf.DataId): boolean;
  incRef(dataId: tf.DataId): void;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

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

    const rows = size(segmentIds.shape);
    const inner = size(x.shape.slice(segmentIds.shape.length));
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

/** The wasm backend's own bookkeeping, used to run XNNPACK on slices in place. */
interface WasmInternals {
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  readonly dataIdMap: {
    get(dataId: tf.DataId): { readonly id: number; readonly memoryOffset: number } | undefined;
    delete(dataId: tf.DataId): boolean;
  };
  dataIdNextNumber: number;
  readonly wasm: {
    readonly tfjs: {
      disposeData(id: number): void;
      registerTensor(id: number, size: number, memoryOffset: number): void;
    };
    cwrap(name: string, returns: null, args: readonly string[]): (...args: unknown[]) => void;
  };
}

/**
 * The wasm module's own BatchMatMul entry point: (a id, a shape bytes, a
 * rank, b id, b shape bytes, b rank, transpose a, transpose b, out id).
 */
type MatMulCall = (
  a: number,
  aShape: Uint8Array,
  aRank: number,
  b: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  out: number,
) => void;

const matMulCalls = new WeakMap<object, MatMulCall>();

function matMulCall(internals: WasmInternals): MatMulCall {
  let call = matMulCalls.get(internals.wasm);
  if (call === undefined) {
    const types = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number'];
    call = internals.wasm.cwrap('BatchMatMul', null, [...types, 'number']) as MatMulCall;
    matMulCalls.set(internals.wasm, call);
  }
  return call;
}

function internalsOf(backend: unknown): (WasmBackend & WasmInternals) | undefined {
  const b = backend as Partial<WasmBackend & WasmInternals>;
  const usable =
    typeof b.makeOutput === 'function' &&
    typeof b.dataIdMap?.get === 'function' &&
    typeof b.wasm?.tfjs?.disposeData === 'function' &&
    typeof b.wasm?.tfjs?.registerTensor === 'function' &&
    typeof b.wasm?.cwrap === 'function' &&
    typeof b.dataIdNextNumber === 'number';
  return usable ? (b as WasmBackend & WasmInternals) : undefined;
}

/** Marks a kernel as ours, so registering twice does not wrap twice. */
const rerouted = Symbol('prefopt.rerouted');

/**
 * Below this many multiply-adds per matrix pair the scalar loop wins: for 128
 * pairs of 16 x 16 matrices it took 0.72 ms against 0.96 ms through XNNPACK,
 * for 24 x 24 ones 2.1 ms against 1.2 ms.
 */
const smallestRerouted = 8192;

type Kernel = ReturnType<typeof tf.getKernel> & object;

/** The batch axes of a product of a and b, broadcast; undefined where they do not broadcast. */
function broadcastBatch(a: readonly number[], b: readonly number[]): number[] | undefined {
  try {
    return tf.backend_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2));
  } catch {
    return undefined;
  }
}

/**
 * The wasm BatchMatMul runs XNNPACK's fast matrix product (about 18 GFLOP/s
 * on one core here) only for one matrix pair with neither side transposed.
 * Every other call, so every gradient of x W (x^T dy and dy W^T) and every
 * attention product (a batch of pairs), took a scalar loop that managed 1.3
 * to 1.9 GFLOP/s. This kernel writes a transposed operand out first (linear
 * in its size) and runs a batch pair by pair through XNNPACK on views into
 * the operands' memory. Each output is the same sum of products; only the
 * order of the additions, and so float32 rounding, may differ.
 */
function reroutedBatchMatMul(original: Kernel, transpose: Kernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const internals = internalsOf(backend);
    const batchA = size(a.shape.slice(0, -2));
    const batchB = size(b.shape.slice(0, -2));
    const batch = Math.max(batchA, batchB);
    const at = (shape: readonly number[], fromEnd: number) => shape[shape.length - fromEnd] ?? 1;
    const rows = transposeA ? at(a.shape, 1) : at(a.shape, 2);
    const inner = transposeA ? at(a.shape, 2) : at(a.shape, 1);
    const columns = transposeB ? at(b.shape, 2) : at(b.shape, 1);
    const plain = !(transposeA || transposeB) && batch === 1;
    const outer = broadcastBatch(a.shape, b.shape);
    // One side's pairs shared by all, or pair i with pair i: what the loop below does.
    const broadcastable =
      outer !== undefined &&
      size(outer) === batch &&
      (batchA === batchB || batchA === 1 || batchB === 1);
    if (
      plain ||
      internals === undefined ||
      !broadcastable ||
      a.dtype !== 'float32' ||
      rows * inner * columns < smallestRerouted
    ) {
      return original.kernelFunc({ inputs, backend, attrs });
    }

    const transient: tf.TensorInfo[] = [];
    // x as [count, r, c], with its last two axes swapped when asked.
    const operand = (x: tf.TensorInfo, count: number, flip: boolean): tf.TensorInfo => {
      const shape = [count, at(x.shape, 2), at(x.shape, 1)];
      const matrices = { dataId: x.dataId, shape, dtype: x.dtype };
      if (!flip) return matrices;
      const out = transpose.kernelFunc({
        inputs: { x: matrices },
        backend,
        attrs: { perm: [0, 2, 1] },
      }) as tf.TensorInfo;
      transient.push(out);
      return out;
    };
    const left = operand(a, batchA, transposeA); // [batchA, rows, inner]
    const right = operand(b, batchB, transposeB); // [batchB, inner, columns]
    const outShape = [...(outer ?? []), rows, columns];
    const noTranspose = { ...attrs, transposeA: false, transposeB: false };
    try {
      if (batch === 1) {
        const out = original.kernelFunc({
          inputs: { a: left, b: right },
          backend,
          attrs: noTranspose,
        }) as tf.TensorInfo;
        return { ...out, shape: outShape };
      }
      const out = internals.makeOutput(outShape, 'float32');
      // Each pair runs on views into the operands' and the output's memory:
      // ids registered with the module at an offset, unregistered after.
      const offset = (x: tf.TensorInfo) => internals.dataIdMap.get(x.dataId)?.memoryOffset ?? 0;
      const [leftAt, rightAt, outAt] = [offset(left), offset(right), offset(out)];
      const newId = () => internals.dataIdNextNumber++;
      const [x, w, y] = [newId(), newId(), newId()];
      const [xSize, wSize, ySize] = [rows * inner, inner * columns, rows * columns];
      const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);
      const [xShape, wShape] = [shapeBytes([1, rows, inner]), shapeBytes([1, inner, columns])];
      const { tfjs } = internals.wasm;
      const call = matMulCall(internals);
      for (let i = 0; i < batch; i++) {
        tfjs.registerTensor(x, xSize, leftAt + (batchA === 1 ? 0 : i) * xSize * 4);
        tfjs.registerTensor(w, wSize, rightAt + (batchB === 1 ? 0 : i) * wSize * 4);
        tfjs.registerTensor(y, ySize, outAt + i * ySize * 4);
        call(x, xShape, 3, w, wShape, 3, false, false, y);
        // Unregistering w also drops the operator XNNPACK built for it.
        tfjs.disposeData(x);
        tfjs.disposeData(w);
        tfjs.disposeData(y);
      }
      return out;
    } finally {
      for (const info of transient) internals.disposeData(info.dataId);
    }
  };
}

/**
 * Puts `wrap(original)` in place of a wasm kernel, keeping its setup; does
 * nothing where the kernel is missing or already replaced.
 */
function replaceWasmKernel(name: string, wrap: (original: Kernel) => tf.KernelFunc): void {
  const original = tf.getKernel(name, 'wasm');
  if (original === undefined || (original as { [rerouted]?: true })[rerouted]) return;
  const kernelFunc = wrap(original);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...original, kernelFunc, [rerouted]: true } as tf.KernelConfig);
}

/**
 * Identity, and Cast to the same dtype, copy their input on wasm: 13% of the
 * kernel time of a training step of the medium benchmark, mostly through
 * gradients that cast to float32. Tensors are immutable, so these share the
 * input's memory instead, by reference count, as the cpu backend does.
 */
function sharedUnchanged(original: Kernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const dtype = (attrs as { dtype?: tf.DataType } | undefined)?.dtype ?? x.dtype; // Cast has one
    if (dtype !== x.dtype || x.dtype === 'string') {
      return original.kernelFunc({ inputs, backend, attrs });
    }
    (backend as unknown as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/**
 * Adds the kernels the wasm backend lacks for training and routes matrix
 * products to its fast path; safe to call more than once.
 */
export function registerWasmTrainingKernels(): void {
  if (tf.getKernel(unsortedSegmentSum.kernelName, 'wasm') === undefined) {
    tf.registerKernel(unsortedSegmentSum);
  }
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (transpose !== undefined) {
    replaceWasmKernel('BatchMatMul', (original) => reroutedBatchMatMul(original, transpose));
  }
  replaceWasmKernel('Identity', sharedUnchanged);
  replaceWasmKernel('Cast', sharedUnchanged);
}
