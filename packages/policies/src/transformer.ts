import {
  completionScores,
  type Infer,
  number,
  object,
  type Policy,
  type SampleOptions,
  type Scores,
  type SpecialTokens,
  seededRandom,
  string,
  type TokenBatch,
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

function layerNorm(x: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), scale), shift);
}

/**
 * GELU, tanh form: 0.5 x (1 + tanh(u)) with u = sqrt(2 / pi) (x + 0.044715 x^3),
 * computed as x sigmoid(2u), the same function since 1 + tanh(u) = 2 sigmoid(2u).
 * On wasm, sigmoid is a vectorised XNNPACK kernel (0.7 ms for 2^19 values here)
 * and tanh a scalar loop (12 ms); x^3 is two products, since tf.pow is slow too.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  const cube = tf.mul(tf.square(x), x);
  const twiceU = tf.mul(2 * Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, cube)));
  return tf.mul(x, tf.sigmoid(twiceU));
}

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
    const { width, heads } = this.options;
    const headSize = width / heads;
    const w = this.weights;

    return tf.tidy(() => {
      const oneHot = tf.oneHot(tf.reshape(ids, [batch * length]), this.vocabularySize); // (B*T, V)
      const tokens = tf.reshape(tf.matMul(oneHot, w.tokenEmbedding), [batch, length, width]);
      const positions = tf.slice(w.positionEmbedding, [0, 0], [length, width]); // (T, d)
      let x = tf.add(tokens, positions) as tf.Tensor3D; // (B, T, d)

      // 0 where a query may attend to a key (the key is not in its future), -1e9 elsewhere.
      const allowed = tf.linalg.bandPart(tf.ones([length, length]), -1, 0); // (T, T)
      const causal = tf.mul(tf.sub(1, allowed), -1e9);

      // (B, T, d) -> (B, T, h, hs) -> (B, h, T, hs)
      const split = (t: tf.Tensor3D) =>
        tf.transpose(tf.reshape(t, [batch, length, heads, headSize]), [0, 2, 1, 3]);

      for (const block of w.blocks) {
        const normed = layerNorm(x, block.norm1Scale, block.norm1Shift) as tf.Tensor3D;
        // Query, key and value as three products with the weight's thirds, not
        // one product split three ways: splitting the last axis is slow on wasm.
        const [query, key, value] = [0, 1, 2].map((part) =>
          dense(
            normed,
            tf.slice(block.attentionIn, [0, part * width], [width, width]),
            tf.slice(block.attentionInBias, part * width, width),
          ),
        ) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D]; // each (B, T, d)
        const scores = tf.add(
          tf.mul(tf.matMul(split(query), split(key), false, true), 1 / Math.sqrt(headSize)),
          causal,
        ); // (B, h, T, T)
        const attended = tf.matMul(tf.softmax(scores), split(value)); // (B, h, T, hs)
        const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, length, width]);
        x = tf.add(x, dense(merged as tf.Tensor3D, block.attentionOut, block.attentionOutBias));

        const normed2 = layerNorm(x, block.norm2Scale, block.norm2Shift) as tf.Tensor3D;
        const hidden = gelu(dense(normed2, block.mlpIn, block.mlpInBias)) as tf.Tensor3D;
        x = tf.add(x, dense(hidden, block.mlpOut, block.mlpOutBias));
      }

      const final = layerNorm(x, w.finalScale, w.finalShift) as tf.Tensor3D;
      return dense(final, w.unembedding, tf.zeros([this.vocabularySize])); // (B, T, V)
    });
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
