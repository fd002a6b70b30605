import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InferenceSession, Tensor as OrtTensor } from "onnxruntime-node";
import { familyOf } from "../models/family-of.js";
import type { FloatType } from "../models/model-family.js";
import type { PretrainedModel } from "../models/pretrained-model.js";
import { writeModel } from "../onnx/model-file.js";
import { encodeModel } from "../onnx/protobuf.js";
import { buildDecoderModel } from "./build-decoder-model.js";
import type { CacheDims } from "./cached-inputs.js";
import { DECODER_IO } from "./decoder-io.js";

/** Float data of logits and cache entries. */
export type FloatData = Float32Array | Float64Array;

/** The key/value cache of a batch: per layer key and value, [B, KV, T, d]. */
export interface KvCache {
  readonly batch: number;
  readonly length: number;
  readonly layers: readonly { readonly key: OrtTensor; readonly value: OrtTensor }[];
}

/** Options of {@link DecoderSession.create}. */
export interface DecoderSessionOptions {
  /** onnxruntime-node session options, e.g. `{ executionProviders: ["cuda"] }`. */
  readonly sessionOptions?: InferenceSession.SessionOptions;
  /** Precision of the graph (default float32; float64 for exact checks). */
  readonly dtype?: FloatType;
  /** Weight bytes above which the graph goes through a temporary external-data file (default 1 GiB). */
  readonly externalDataAbove?: number;
}

/**
 * A model's cached decoder graph ({@link buildDecoderModel}, last-position logits) open in
 * onnxruntime-node: one call feeds S new tokens per row over a past cache and returns next-token logits
 * and the extended cache.
 *
 * @example
 * ```ts
 * const session = await DecoderSession.create(model);
 * const { logits, cache } = await session.forward(ids, mask, 1, 3, session.emptyCache(1));
 * ```
 */
export class DecoderSession {
  readonly dims: CacheDims;
  readonly dtype: FloatType;
  readonly vocabSize: number;
  readonly #session: InferenceSession;

  private constructor(session: InferenceSession, dims: CacheDims, dtype: FloatType, vocabSize: number) {
    this.#session = session;
    this.dims = dims;
    this.dtype = dtype;
    this.vocabSize = vocabSize;
  }

  /** Build the cached decoder graph of `model` and open it. */
  static async create(model: PretrainedModel, options: DecoderSessionOptions = {}): Promise<DecoderSession> {
    const dtype = options.dtype ?? "float32";
    const onnx = buildDecoderModel(model, { dtype });
    // ORT's extended fusions have float-only kernels or float approximations.
    const exact: InferenceSession.SessionOptions =
      dtype === "float64" ? { graphOptimizationLevel: "basic" } : {};
    const sessionOptions = { ...exact, ...options.sessionOptions };
    const dims = familyOf(model.config).cached.cacheDims(model.config);
    let bytes = 0;
    for (const t of model.weights.values()) bytes += t.data.byteLength;
    const open = (session: InferenceSession) =>
      new DecoderSession(session, dims, dtype, model.config.vocabSize);
    if (bytes <= (options.externalDataAbove ?? 2 ** 30)) {
      return open(await InferenceSession.create(encodeModel(onnx), sessionOptions));
    }
    const dir = await mkdtemp(join(tmpdir(), "apo-decoder-"));
    try {
      await writeModel(join(dir, "model.onnx"), onnx, { externalData: {} });
      return open(await InferenceSession.create(join(dir, "model.onnx"), sessionOptions));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A cache with no positions, for the first call. */
  emptyCache(batch: number): KvCache {
    const { kvHeads, headDim, layers } = this.dims;
    const empty = () =>
      new OrtTensor(this.dtype, this.dtype === "float64" ? new Float64Array(0) : new Float32Array(0), [
        batch,
        kvHeads,
        0,
        headDim,
      ]);
    return {
      batch,
      length: 0,
      layers: Array.from({ length: layers }, () => ({ key: empty(), value: empty() })),
    };
  }

  /**
   * Feed `fresh` new tokens per row. `inputIds` is [batch, fresh], `attentionMask` is
   * [batch, cache.length + fresh]. Returns logits [batch, V] of the last position and the new cache.
   */
  async forward(
    inputIds: BigInt64Array,
    attentionMask: BigInt64Array,
    batch: number,
    fresh: number,
    cache: KvCache,
  ): Promise<{ logits: FloatData; cache: KvCache }> {
    const feeds: Record<string, OrtTensor> = {
      [DECODER_IO.inputIds]: new OrtTensor("int64", inputIds, [batch, fresh]),
      [DECODER_IO.attentionMask]: new OrtTensor("int64", attentionMask, [batch, cache.length + fresh]),
    };
    cache.layers.forEach(({ key, value }, l) => {
      feeds[DECODER_IO.pastKey(l)] = key;
      feeds[DECODER_IO.pastValue(l)] = value;
    });
    const out = await this.#session.run(feeds);
    const layers = cache.layers.map((_, l) => ({
      key: out[DECODER_IO.presentKey(l)]!,
      value: out[DECODER_IO.presentValue(l)]!,
    }));
    return {
      logits: out[DECODER_IO.logits]!.data as FloatData,
      cache: { batch, length: cache.length + fresh, layers },
    };
  }

  /** Release the session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

/**
 * Keep only some rows of a cache (rows that finished are dropped so later steps do not pay for them).
 *
 * @example
 * ```ts
 * const smaller = selectCacheRows(cache, [0, 2]);
 * ```
 */
export function selectCacheRows(cache: KvCache, rows: readonly number[]): KvCache {
  const pick = (t: OrtTensor) => {
    const data = t.data as FloatData;
    const block = data.length / cache.batch;
    const out = new (data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(
      block * rows.length,
    );
    rows.forEach((r, i) => {
      out.set(data.subarray(r * block, (r + 1) * block), i * block);
    });
    return new OrtTensor(t.type as "float32", out as Float32Array, [rows.length, ...t.dims.slice(1)]);
  };
  return {
    batch: rows.length,
    length: cache.length,
    layers: cache.layers.map(({ key, value }) => ({ key: pick(key), value: pick(value) })),
  };
}
