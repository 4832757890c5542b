import {
  completionScores,
  type Infer,
  number,
  object,
  type PairBatch,
  type Policy,
  type SampleOptions,
  type Scores,
  type SpecialTokens,
  seededRandom,
  string,
  type TokenBatch,
  targetScores,
  tf,
} from '@prefopt/core';
import { sampleCompletions } from './sampling.js';

export const transformerOptions = object({
  layers: number({ description: 'transformer blocks', integer: true, atLeast: 1, default: 2 }),
  width: number({
    description: 'model width (embedding size)',
    integer: true,
    atLeast: 1,
    default: 64,
  }),
  heads: number({
    description: 'attention heads; must divide width',
    integer: true,
    atLeast: 1,
    default: 4,
  }),
  contextLength: number({
    description: 'longest row in tokens, begin to end token',
    integer: true,
    atLeast: 2,
    default: 64,
  }),
  mlpRatio: number({
    description: 'hidden width of each MLP over width',
    integer: true,
    atLeast: 1,
    default: 4,
  }),
  initScale: number({
    description: 'standard deviation of initial weights',
    greaterThan: 0,
    default: 0.02,
  }),
  scope: string({
    description: 'prefix of variable names, kept stable for checkpoints',
    default: 'policy',
  }),
});

export type TransformerOptions = Infer<typeof transformerOptions>;

interface Block {
  readonly norm1Scale: tf.Variable;
  readonly norm1Shift: tf.Variable;
  readonly attentionIn: tf.Variable; // (d, 3d): query, key and value projections side by side
  readonly attentionInBias: tf.Variable;
  readonly attentionOut: tf.Variable; // (d, d)
  readonly attentionOutBias: tf.Variable;
  readonly norm2Scale: tf.Variable;
  readonly norm2Shift: tf.Variable;
  readonly mlpIn: tf.Variable; // (d, r*d)
  readonly mlpInBias: tf.Variable;
  readonly mlpOut: tf.Variable; // (r*d, d)
  readonly mlpOutBias: tf.Variable;
}

interface Weights {
  readonly tokenEmbedding: tf.Variable; // (V, d)
  readonly positionEmbedding: tf.Variable; // (contextLength, d)
  readonly blocks: readonly Block[];
  readonly finalScale: tf.Variable;
  readonly finalShift: tf.Variable;
  readonly unembedding: tf.Variable; // (d, V)
}

/** Sum over every axis but the last, as a product with ones (a fast kernel on wasm). */
function sumRows(x: tf.Tensor): tf.Tensor1D {
  const width = x.shape[x.shape.length - 1] ?? 1;
  const rows = x.size / width;
  const flat = tf.reshape(x, [rows, width]) as tf.Tensor2D;
  return tf.reshape(tf.matMul(tf.ones([1, rows]) as tf.Tensor2D, flat), [width]);
}

/**
 * Layer normalisation over the last axis, (x - mean) / sqrt(variance + 1e-5)
 * scale + shift, with its gradient written out: with n the normalised x, r
 * the reciprocal deviation and g = dy scale, dx = r (g - mean(g) - n mean(g n)),
 * dscale = the sum of dy n over rows and dshift that of dy. About half the
 * kernels of the derived gradient, and no slow reductions over leading axes.
 */
export const layerNorm = tf.customGrad((...args) => {
  const [x, scale, shift, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const reciprocal = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), 1e-5));
  const normed = tf.mul(centred, reciprocal);
  save([normed, reciprocal, scale]);
  return {
    value: tf.add(tf.mul(normed, scale), shift),
    gradFunc: (dy, saved) => {
      const [n, r, s] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const g = tf.mul(dy, s);
      const centredG = tf.sub(g, tf.mean(g, -1, true));
      const dx = tf.mul(r, tf.sub(centredG, tf.mul(n, tf.mean(tf.mul(g, n), -1, true))));
      return [dx, sumRows(tf.mul(dy, n)), sumRows(dy)];
    },
  };
});

/**
 * GELU, tanh form: 0.5 x (1 + tanh(u)) with u = sqrt(2 / pi) (x + 0.044715 x^3),
 * computed as x sigmoid(2u), the same function since 1 + tanh(u) = 2 sigmoid(2u).
 * On wasm, sigmoid is a vectorised XNNPACK kernel (0.7 ms for 2^19 values here)
 * and tanh a scalar loop (12 ms); x^3 is two products, since tf.pow is slow too.
 * Its derivative, s + x s (1 - s) c (1 + 3k x^2) with s = sigmoid(2u) and
 * c = 2 sqrt(2 / pi), k = 0.044715, is written out: fewer kernels than derived.
 */
export const gelu = tf.customGrad((...args) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const c = 2 * Math.sqrt(2 / Math.PI);
  const k = 0.044715;
  const square = tf.square(x);
  const twiceU = tf.mul(tf.mul(x, tf.add(tf.mul(square, k), 1)), c);
  const s = tf.sigmoid(twiceU);
  save([x, square, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy, saved) => {
      const [input, squared, sig] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const slope = tf.mul(sig, tf.sub(1, sig));
      const inner = tf.mul(input, tf.add(tf.mul(squared, 3 * k * c), c));
      return tf.mul(dy, tf.add(sig, tf.mul(slope, inner)));
    },
  };
});

/**
 * x W + b for x [N, in]: one fused product forward (the bias added inside
 * it). Its gradient is products only: dy W^T, x^T dy, and the bias's as
 * ones dy, since a sum over rows (what tf derives for a broadcast add) is
 * a transpose and a slow reduction on wasm.
 */
export const affine = tf.customGrad((...args) => {
  const [x, weight, bias, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, weight]);
  return {
    value: tf.fused.matMul({ a: x, b: weight, bias }),
    gradFunc: (dy, saved) => {
      const [input, w] = saved as [tf.Tensor2D, tf.Tensor2D];
      const rows = dy as tf.Tensor2D;
      const ones = tf.ones([1, rows.shape[0]]) as tf.Tensor2D;
      return [
        tf.matMul(rows, w, false, true),
        tf.matMul(input, rows, true, false),
        tf.reshape(tf.matMul(ones, rows), [rows.shape[1]]),
      ];
    },
  };
});

/** Affine map over the last axis of [B, T, in]: x W + b, as one 2-D product. */
function dense(x: tf.Tensor3D, weight: tf.Tensor, bias: tf.Tensor): tf.Tensor3D {
  const [batch, length, width] = x.shape;
  const flat = tf.reshape(x, [batch * length, width]); // (B*T, in)
  const out = affine(flat, weight, bias); // (B*T, out)
  return tf.reshape(out, [batch, length, weight.shape[1] ?? 0]);
}

/** 0 where a query may attend to a key (the key is not in its future), -1e9 elsewhere: [T, T]. */
function causalMask(length: number): tf.Tensor2D {
  const allowed = tf.linalg.bandPart(tf.ones([length, length]), -1, 0);
  return tf.mul(tf.sub(1, allowed), -1e9) as tf.Tensor2D;
}

/** Scaled dot-product attention of heads [B, h, T, hs] over keys [B, h, K, hs]; `mask` is added. */
function attend(
  query: tf.Tensor4D,
  key: tf.Tensor,
  value: tf.Tensor,
  mask: tf.Tensor,
): tf.Tensor4D {
  const headSize = query.shape[3];
  const scores = tf.add(
    tf.mul(tf.matMul(query, key as tf.Tensor4D, false, true), 1 / Math.sqrt(headSize)),
    mask,
  ); // (B, h, T, K)
  return tf.matMul(tf.softmax(scores), value as tf.Tensor4D);
}

/** The sum of each row of a matrix, read back from it. */
function rowSums(matrix: tf.Tensor2D): number[] {
  const [rows, width] = matrix.shape;
  const values = matrix.dataSync() as Float32Array;
  return Array.from({ length: rows }, (_, r) =>
    values.subarray(r * width, (r + 1) * width).reduce((sum, v) => sum + v, 0),
  );
}

let snapshots = 0;

/**
 * A small causal decoder-only language model (GPT-2 style, pre-norm
 * blocks) written with TensorFlow.js ops and variables, so it trains on
 * every backend. Token embeddings are a one-hot product, since tf.gather
 * has no gradient on wasm. Weights are drawn from a seeded stream: the same
 * seed and options give the same model on any backend.
 */
export class TransformerPolicy implements Policy {
  readonly vocabularySize: number;
  readonly contextLength: number;
  readonly variables: readonly tf.Variable[];
  private readonly weights: Weights;

  private constructor(
    readonly options: TransformerOptions,
    readonly special: SpecialTokens & { readonly vocabularySize: number },
    weights: Weights,
  ) {
    this.vocabularySize = special.vocabularySize;
    this.contextLength = options.contextLength;
    this.weights = weights;
    this.variables = [
      weights.tokenEmbedding,
      weights.positionEmbedding,
      ...weights.blocks.flatMap((block) => Object.values(block) as tf.Variable[]),
      weights.finalScale,
      weights.finalShift,
      weights.unembedding,
    ];
  }

  /** A freshly initialised, trainable model. */
  static create(
    options: TransformerOptions,
    special: SpecialTokens & { readonly vocabularySize: number },
    seed: number,
  ): TransformerPolicy {
    const { layers, width, heads, mlpRatio, initScale, contextLength, scope } = options;
    if (width % heads !== 0) {
      throw new RangeError(`transformer: heads (${heads}) must divide width (${width})`);
    }
    const random = seededRandom(seed);
    const vocabulary = special.vocabularySize;
    const make = (
      suffix: string,
      shape: number[],
      fill: 'normal' | 'zeros' | 'ones',
      scale = initScale,
    ) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = new Float32Array(size);
      for (let i = 0; i < size; i++) {
        values[i] = fill === 'normal' ? random.normal() * scale : fill === 'ones' ? 1 : 0;
      }
      return tf.tidy(() => tf.variable(tf.tensor(values, shape), true, `${scope}/${suffix}`));
    };
    // Residual projections start smaller so the stream's variance stays near 1 with depth.
    const residualScale = initScale / Math.sqrt(2 * layers);

    const blocks = Array.from({ length: layers }, (_, i): Block => {
      const at = `block${i}`;
      return {
        norm1Scale: make(`${at}/norm1/scale`, [width], 'ones'),
        norm1Shift: make(`${at}/norm1/shift`, [width], 'zeros'),
        attentionIn: make(`${at}/attention/in`, [width, 3 * width], 'normal'),
        attentionInBias: make(`${at}/attention/in_bias`, [3 * width], 'zeros'),
        attentionOut: make(`${at}/attention/out`, [width, width], 'normal', residualScale),
        attentionOutBias: make(`${at}/attention/out_bias`, [width], 'zeros'),
        norm2Scale: make(`${at}/norm2/scale`, [width], 'ones'),
        norm2Shift: make(`${at}/norm2/shift`, [width], 'zeros'),
        mlpIn: make(`${at}/mlp/in`, [width, mlpRatio * width], 'normal'),
        mlpInBias: make(`${at}/mlp/in_bias`, [mlpRatio * width], 'zeros'),
        mlpOut: make(`${at}/mlp/out`, [mlpRatio * width, width], 'normal', residualScale),
        mlpOutBias: make(`${at}/mlp/out_bias`, [width], 'zeros'),
      };
    });
    const weights: Weights = {
      tokenEmbedding: make('token_embedding', [vocabulary, width], 'normal'),
      positionEmbedding: make('position_embedding', [contextLength, width], 'normal'),
      blocks,
      finalScale: make('final_norm/scale', [width], 'ones'),
      finalShift: make('final_norm/shift', [width], 'zeros'),
      unembedding: make('unembedding', [width, vocabulary], 'normal'),
    };
    return new TransformerPolicy(options, special, weights);
  }

  /** Next-token logits [B, T, V] for ids [B, T]. */
  logits(ids: tf.Tensor2D): tf.Tensor3D {
    const [batch, length] = ids.shape;
    if (length > this.contextLength) {
      throw new RangeError(
        `transformer: rows of ${length} tokens exceed the context of ${this.contextLength}`,
      );
    }
    const w = this.weights;
    return tf.tidy(() => {
      const positions = tf.slice(w.positionEmbedding, [0, 0], [length, this.options.width]);
      let x = tf.add(this.embed(ids), positions) as tf.Tensor3D; // (B, T, d)
      const causal = causalMask(length);
      for (const block of w.blocks) {
        const { query, key, value } = this.projections(x, block);
        x = this.blockRest(x, block, attend(query, key, value, causal));
      }
      return this.unembed(x); // (B, T, V)
    });
  }

  /**
   * Scores the rows of each pair with its prompt computed once: the prompt's
   * tokens attend only to earlier prompt tokens, as in a full row, so one
   * pass over the prompts serves both completions, whose tokens attend to
   * the prompt's keys and values and to their own. Equals `score` of the
   * pairs' rows up to float rounding.
   */
  scorePairs(batch: PairBatch): Scores {
    const [pairs, promptWidth] = batch.prompts.shape;
    const [rows, completionWidth] = batch.completions.shape;
    const { width } = this.options;
    const context = this.contextLength;
    const completionLengths = rowSums(batch.completionMask);
    batch.promptLengths.forEach((length, r) => {
      const longest = Math.max(completionLengths[r] ?? 0, completionLengths[r + pairs] ?? 0);
      if (length + longest > context) {
        throw new RangeError(
          `transformer: rows of ${length + longest} tokens exceed the context of ${context}`,
        );
      }
    });
    const w = this.weights;

    return tf.tidy(() => {
      // Completion token j of a row sits at position (its prompt's length + j).
      const at = new Float32Array(rows * completionWidth * context);
      // 0 where a completion query may attend to a key, -1e9 elsewhere: keys
      // are the prompt's (real ones only), then the completion's own (causal).
      const keys = promptWidth + completionWidth;
      const blocked = new Float32Array(rows * completionWidth * keys).fill(-1e9);
      for (let r = 0; r < rows; r++) {
        const prompt = batch.promptLengths[r % pairs] ?? 0;
        for (let j = 0; j < completionWidth; j++) {
          const row = r * completionWidth + j;
          at[row * context + Math.min(prompt + j, context - 1)] = 1;
          blocked.fill(0, row * keys, row * keys + prompt);
          blocked.fill(0, row * keys + promptWidth, row * keys + promptWidth + j + 1);
        }
      }
      const completionPositions = tf.reshape(
        tf.matMul(tf.tensor2d(at, [rows * completionWidth, context]), w.positionEmbedding),
        [rows, completionWidth, width],
      );
      const promptPositions = tf.slice(w.positionEmbedding, [0, 0], [promptWidth, width]);
      let prompt = tf.add(this.embed(batch.prompts), promptPositions) as tf.Tensor3D;
      let completion = tf.add(this.embed(batch.completions), completionPositions) as tf.Tensor3D;
      const promptCausal = causalMask(promptWidth);
      const completionAttention = tf.tensor4d(blocked, [rows, 1, completionWidth, keys]);
      // Each pair's prompt rows twice: for its chosen row, then its rejected one.
      const twice = (t: tf.Tensor) => tf.concat([t, t], 0);
      // Prompt then completion along the token axis (2) of [rows, h, T, hs]:
      // concatenated as [rows h, T hs] matrices, whose rows are whole chunks.
      const heads = (t: tf.Tensor4D) => tf.reshape(t, [t.shape[0] * t.shape[1], -1]);
      const joined = (a: tf.Tensor4D, b: tf.Tensor4D) =>
        tf.reshape(tf.concat([heads(a), heads(b)], 1), [
          b.shape[0],
          b.shape[1],
          a.shape[2] + b.shape[2],
          b.shape[3],
        ]);

      for (const block of w.blocks) {
        const p = this.projections(prompt, block);
        const c = this.projections(completion, block);
        const promptAttended = attend(p.query, p.key, p.value, promptCausal);
        const completionAttended = attend(
          c.query,
          joined(twice(p.key) as tf.Tensor4D, c.key),
          joined(twice(p.value) as tf.Tensor4D, c.value),
          completionAttention,
        );
        prompt = this.blockRest(prompt, block, promptAttended);
        completion = this.blockRest(completion, block, completionAttended);
      }

      // The last prompt position predicts a row's first token, and completion
      // position j its token j + 1.
      const last = new Float32Array(pairs * pairs * promptWidth);
      batch.promptLengths.forEach((length, r) => {
        last[r * pairs * promptWidth + r * promptWidth + length - 1] = 1;
      });
      const lastPrompt = tf.matMul(
        tf.tensor2d(last, [pairs, pairs * promptWidth]),
        tf.reshape(prompt, [pairs * promptWidth, width]),
      ); // (pairs, d)
      const predictors = tf.concat(
        [
          tf.reshape(twice(lastPrompt), [rows, 1, width]),
          tf.slice(completion, [0, 0, 0], [rows, completionWidth - 1, width]),
        ],
        1,
      ) as tf.Tensor3D; // (rows, C, d)
      return {
        ...targetScores(this.unembed(predictors), batch.completions, batch.completionMask),
      };
    });
  }

  /** Token embeddings of ids [B, T], as a one-hot product: [B, T, d]. */
  private embed(ids: tf.Tensor2D): tf.Tensor3D {
    const [batch, length] = ids.shape;
    const oneHot = tf.oneHot(tf.reshape(ids, [batch * length]), this.vocabularySize); // (B*T, V)
    const tokens = tf.matMul(oneHot, this.weights.tokenEmbedding);
    return tf.reshape(tokens, [batch, length, this.options.width]);
  }

  /** A block's query, key and value heads for its input x [B, T, d], each [B, h, T, hs]. */
  private projections(x: tf.Tensor3D, block: Block) {
    const { width, heads } = this.options;
    const [batch, length] = x.shape;
    const normed = layerNorm(x, block.norm1Scale, block.norm1Shift) as tf.Tensor3D;
    // Query, key and value as three products with the weight's thirds, not
    // one product split three ways: splitting the last axis is slow on wasm.
    const [query, key, value] = [0, 1, 2].map((part) => {
      const projected = dense(
        normed,
        tf.slice(block.attentionIn, [0, part * width], [width, width]),
        tf.slice(block.attentionInBias, part * width, width),
      );
      // (B, T, d) -> (B, T, h, hs) -> (B, h, T, hs)
      const split = tf.reshape(projected, [batch, length, heads, width / heads]);
      return tf.transpose(split, [0, 2, 1, 3]) as tf.Tensor4D;
    }) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    return { query, key, value };
  }

  /** The rest of a block once attention gave `attended` [B, h, T, hs]: output, residual, MLP. */
  private blockRest(x: tf.Tensor3D, block: Block, attended: tf.Tensor4D): tf.Tensor3D {
    const [batch, length, width] = x.shape;
    const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, length, width]);
    const mixed = tf.add(
      x,
      dense(merged as tf.Tensor3D, block.attentionOut, block.attentionOutBias),
    );
    const normed = layerNorm(mixed, block.norm2Scale, block.norm2Shift) as tf.Tensor3D;
    const hidden = gelu(dense(normed, block.mlpIn, block.mlpInBias)) as tf.Tensor3D;
    return tf.add(mixed, dense(hidden, block.mlpOut, block.mlpOutBias)) as tf.Tensor3D;
  }

  /** Next-token logits [B, T, V] from the last block's output [B, T, d]. */
  private unembed(x: tf.Tensor3D): tf.Tensor3D {
    const [batch, length, width] = x.shape;
    const final = layerNorm(x, this.weights.finalScale, this.weights.finalShift);
    const flat = tf.reshape(final, [batch * length, width]);
    return tf.reshape(tf.matMul(flat, this.weights.unembedding), [
      batch,
      length,
      this.vocabularySize,
    ]);
  }

  score(batch: TokenBatch): Scores {
    return tf.tidy(() => ({ ...completionScores(this.logits(batch.ids), batch) }));
  }

  snapshot(): TransformerPolicy {
    snapshots += 1;
    const scope = `${this.options.scope}-snapshot${snapshots}`;
    const copy = (v: tf.Variable) =>
      tf.variable(v, false, v.name.replace(`${this.options.scope}/`, `${scope}/`));
    const w = this.weights;
    const weights: Weights = {
      tokenEmbedding: copy(w.tokenEmbedding),
      positionEmbedding: copy(w.positionEmbedding),
      blocks: w.blocks.map(
        (block) =>
          Object.fromEntries(
            Object.entries(block).map(([key, v]) => [key, copy(v)]),
          ) as unknown as Block,
      ),
      finalScale: copy(w.finalScale),
      finalShift: copy(w.finalShift),
      unembedding: copy(w.unembedding),
    };
    return new TransformerPolicy({ ...this.options, scope }, this.special, weights);
  }

  sample(prompts: readonly (readonly number[])[], options: SampleOptions): number[][] {
    return sampleCompletions(this, prompts, options);
  }

  dispose(): void {
    for (const variable of this.variables) variable.dispose();
  }
}
