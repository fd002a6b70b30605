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

/** Per layer, a key and a value array. */
type LayerArrays = readonly { readonly key: FloatData; readonly value: FloatData }[];

/** The key/value cache of a batch: per layer key and value, [B, KV, T, d]. */
export interface KvCache {
  readonly batch: number;
  readonly length: number;
  readonly layers: readonly { readonly key: OrtTensor; readonly value: OrtTensor }[];
  /** The arrays the layers' tensors are views of (with room to grow), when {@link DecoderSession.forward} recycles. */
  readonly storage?: LayerArrays;
  /** Arrays no tensor of this cache uses, that the next recycling call writes its present cache into. */
  readonly spare?: LayerArrays;
}

/** Options of {@link DecoderSession.forward}. */
export interface ForwardOptions {
  /**
   * Write the present cache into arrays kept from call to call instead of fresh ones (default false). The
   * cache fed in is consumed: its arrays become the spare that the call after next writes into, so only the
   * returned cache may be fed again. onnxruntime-node still hands back a copy of each pre-allocated output,
   * which is dropped: the cache fed to the next call is the recycled arrays. Llama 9.9M on 2 busy cores,
   * batch 1: 5.2–9.4 ms per step recycled against 10.5–12.7 ms with fresh outputs (issue 18).
   */
  readonly recycle?: boolean;
}

/**
 * Session options every decoder session gets unless the caller's `extra.session` overrides them.
 *
 * - `intra_op.allow_spinning: "0"`: onnxruntime's intra-op threads sleep between the graph's parallel
 *   sections instead of spinning. A decode step is hundreds of small kernels, and on a shared machine with
 *   more runnable threads than cores the spinning threads take the cores the working ones need: the Llama
 *   9.9M decode on 2 busy cores went from 4.3–6.5 ms per token (batch 1) and 26–32 ms per step (batch 8) to
 *   3.7–4.1 ms and 9.7–11.4 ms without spinning (issue 18).
 */
const DECODER_SESSION_EXTRA = { session: { "intra_op.allow_spinning": "0" } } as const;

/**
 * The options {@link DecoderSession.create} opens a graph with: the precision's own (float64: basic
 * optimisations), {@link DECODER_SESSION_EXTRA}'s entries, then the caller's (whose `extra.session` entries
 * are merged with ours, so `{ extra: { session: { "intra_op.allow_spinning": "1" } } }` turns spinning back on).
 *
 * @example
 * ```ts
 * decoderSessionOptions("float32", { intraOpNumThreads: 2 }).extra; // { session: { "intra_op.allow_spinning": "0" } }
 * ```
 */
export function decoderSessionOptions(
  dtype: FloatType,
  sessionOptions: InferenceSession.SessionOptions = {},
): InferenceSession.SessionOptions {
  // ORT's extended fusions have float-only kernels or float approximations.
  const exact: InferenceSession.SessionOptions =
    dtype === "float64" ? { graphOptimizationLevel: "basic" } : {};
  const session = {
    ...DECODER_SESSION_EXTRA.session,
    ...(sessionOptions.extra?.session as Record<string, unknown> | undefined),
  };
  return { ...exact, ...sessionOptions, extra: { ...sessionOptions.extra, session } };
}

/** Positions of room an array gets beyond what a call needs, so most steps reuse it. */
function roomFor(positions: number): number {
  return Math.max(positions + 64, Math.ceil(positions * 1.5));
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
    const sessionOptions = decoderSessionOptions(dtype, options.sessionOptions);
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
   * With `recycle`, onnxruntime writes the present cache straight into arrays kept across calls (the fed
   * cache's spare ones when they have room), and the fed cache must not be used again.
   */
  async forward(
    inputIds: BigInt64Array,
    attentionMask: BigInt64Array,
    batch: number,
    fresh: number,
    cache: KvCache,
    options: ForwardOptions = {},
  ): Promise<{ logits: FloatData; cache: KvCache }> {
    const total = cache.length + fresh;
    const feeds: Record<string, OrtTensor> = {
      [DECODER_IO.inputIds]: new OrtTensor("int64", inputIds, [batch, fresh]),
      [DECODER_IO.attentionMask]: new OrtTensor("int64", attentionMask, [batch, total]),
    };
    cache.layers.forEach(({ key, value }, l) => {
      feeds[DECODER_IO.pastKey(l)] = key;
      feeds[DECODER_IO.pastValue(l)] = value;
    });
    if (options.recycle !== true) {
      const out = await this.#session.run(feeds);
      const layers = cache.layers.map((_, l) => ({
        key: out[DECODER_IO.presentKey(l)]!,
        value: out[DECODER_IO.presentValue(l)]!,
      }));
      return { logits: out[DECODER_IO.logits]!.data as FloatData, cache: { batch, length: total, layers } };
    }
    const { kvHeads, headDim } = this.dims;
    const size = batch * kvHeads * total * headDim;
    const dims = [batch, kvHeads, total, headDim];
    const array = (spare: FloatData | undefined): FloatData =>
      spare !== undefined && spare.length >= size
        ? spare
        : this.dtype === "float64"
          ? new Float64Array(batch * kvHeads * roomFor(total) * headDim)
          : new Float32Array(batch * kvHeads * roomFor(total) * headDim);
    const storage = cache.layers.map((_, l) => ({
      key: array(cache.spare?.[l]?.key),
      value: array(cache.spare?.[l]?.value),
    }));
    const view = (a: FloatData) => new OrtTensor(this.dtype, a.subarray(0, size) as Float32Array, dims);
    const layers = storage.map(({ key, value }) => ({ key: view(key), value: view(value) }));
    const fetches: Record<string, OrtTensor | null> = { [DECODER_IO.logits]: null };
    layers.forEach(({ key, value }, l) => {
      fetches[DECODER_IO.presentKey(l)] = key;
      fetches[DECODER_IO.presentValue(l)] = value;
    });
    const out = await this.#session.run(feeds, fetches);
    return {
      logits: out[DECODER_IO.logits]!.data as FloatData,
      cache: {
        batch,
        length: total,
        layers,
        storage,
        ...(cache.storage === undefined ? {} : { spare: cache.storage }),
      },
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
