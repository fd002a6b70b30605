import * as ort from "onnxruntime-node";
import { GradientError } from "../errors.js";
import { GraphBuilder } from "../onnx/builder.js";
import { encodeModel } from "../onnx/protobuf.js";
import type { Model, Tensor } from "../onnx/types.js";
import { buildGradientModel } from "./gradient.js";

/**
 * Options of {@link gradCheck}.
 *
 * @example
 * ```ts
 * const options: GradCheckOptions = { model, loss: "loss", wrt: ["w"], feeds: { x }, maxCoordinates: 8 };
 * ```
 */
export interface GradCheckOptions {
  /** Forward model computing `loss` (a scalar). */
  readonly model: Model;
  readonly loss: string;
  /** Float initializers or graph inputs to check. */
  readonly wrt: readonly string[];
  /** Values of the model's graph inputs (not needed for `wrt` initializers). */
  readonly feeds?: Readonly<Record<string, Tensor>>;
  /** Central-difference step (default 1e-6 for float64, 1e-2 for float32). */
  readonly epsilon?: number;
  /** Coordinates checked per `wrt` tensor, spread evenly (default: all). */
  readonly maxCoordinates?: number;
  /**
   * onnxruntime session options for both sessions. Float64 graphs with x·σ(x) need
   * `{ graphOptimizationLevel: "basic" }`: ORT's extended fusions rewrite it to a float-only QuickGelu.
   */
  readonly sessionOptions?: ort.InferenceSession.SessionOptions;
}

/**
 * One checked coordinate: the gradient from the autodiff graph and the central finite difference
 * `(L(x + εeᵢ) − L(x − εeᵢ)) / 2ε`, both computed by onnxruntime.
 *
 * @example
 * ```ts
 * const worst = Math.max(...results.map((r) => Math.abs(r.analytic - r.numeric)));
 * ```
 */
export interface GradCheckEntry {
  readonly wrt: string;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

function toOrt(t: Tensor): ort.Tensor {
  if (Array.isArray(t.data)) return new ort.Tensor("string", t.data, [...t.dims]);
  return new ort.Tensor(t.dtype as ort.Tensor.Type, t.data as ort.Tensor.DataType, [...t.dims]);
}

function scalarOf(out: ort.InferenceSession.ReturnType, name: string): number {
  const v = out[name];
  if (v === undefined) throw new GradientError(`output \`${name}\` missing`);
  const data = v.data as ArrayLike<number>;
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Number(data[i]);
  return sum;
}

/**
 * Checks reverse-mode gradients against central finite differences, both run by onnxruntime-node: the
 * `wrt` initializers become graph inputs so one session serves every perturbation.
 *
 * @example
 * ```ts
 * const entries = await gradCheck({ model, loss: "loss", wrt: ["w"], feeds: { x } });
 * for (const e of entries) expect(e.analytic).toBeCloseTo(e.numeric, 6);
 * ```
 */
export async function gradCheck(options: GradCheckOptions): Promise<GradCheckEntry[]> {
  const { model, loss, wrt } = options;
  const values: Record<string, Tensor> = { ...options.feeds };
  const initializers = new Map(model.graph.initializers);
  const inputs = [...model.graph.inputs];
  for (const w of wrt) {
    const t = initializers.get(w);
    if (t === undefined) continue;
    initializers.delete(w);
    if (!inputs.some((i) => i.name === w)) inputs.push({ name: w, dtype: t.dtype, shape: [...t.dims] });
    values[w] = t;
  }
  const lossType = GraphBuilder.fromModel(model).typeOf(loss);
  if (lossType === undefined)
    throw new GradientError(`the type of loss \`${loss}\` is unknown`, { subject: loss });
  const forward: Model = {
    ...model,
    graph: { ...model.graph, inputs, initializers, outputs: [{ name: loss, ...lossType }] },
  };
  const { model: withGrads, gradients } = buildGradientModel(forward, { loss, wrt, keepOutputs: false });
  const sessionOptions = options.sessionOptions ?? {};
  const forwardSession = await ort.InferenceSession.create(encodeModel(forward), sessionOptions);
  const gradSession = await ort.InferenceSession.create(encodeModel(withGrads), sessionOptions);
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(values)) feeds[k] = toOrt(v);
    const gradOut = await gradSession.run(feeds);
    const entries: GradCheckEntry[] = [];
    for (const w of wrt) {
      const base = values[w];
      if (base === undefined)
        throw new GradientError(`no value for \`${w}\`: pass it in feeds`, { subject: w });
      const data = base.data as Float32Array | Float64Array;
      const eps = options.epsilon ?? (base.dtype === "float64" ? 1e-6 : 1e-2);
      const grad = gradOut[gradients.get(w) ?? ""]?.data as ArrayLike<number> | undefined;
      if (grad === undefined) throw new GradientError(`gradient of \`${w}\` missing`, { subject: w });
      const n = data.length;
      const count = Math.min(n, options.maxCoordinates ?? n);
      for (let k = 0; k < count; k++) {
        const index = count === n ? k : Math.floor((k * n) / count);
        const copy = data.slice();
        const at = (delta: number) => {
          copy[index] = (data[index] ?? 0) + delta;
          return toOrt({ dtype: base.dtype, dims: base.dims, data: copy });
        };
        const plus = scalarOf(await forwardSession.run({ ...feeds, [w]: at(eps) }), loss);
        const minus = scalarOf(await forwardSession.run({ ...feeds, [w]: at(-eps) }), loss);
        entries.push({ wrt: w, index, analytic: Number(grad[index]), numeric: (plus - minus) / (2 * eps) });
      }
    }
    return entries;
  } finally {
    await forwardSession.release();
    await gradSession.release();
  }
}
