import type { LlamaConfig } from "./model-config.js";

/**
 * The RoPE inverse frequencies θ_i of a Llama-family config (length headDim / 2), with its rope scaling
 * applied.
 *
 * ```text
 * θ_i = ropeTheta^(−2i / headDim),  i = 0 … headDim/2 − 1
 * linear: θ_i / factor;   llama3: see Llama3RopeScaling
 * ```
 *
 * @example
 * ```ts
 * ropeInverseFrequencies(config)[0]; // 1
 * ```
 */
export function ropeInverseFrequencies(config: LlamaConfig): Float64Array {
  const half = config.headDim / 2;
  const out = new Float64Array(half);
  for (let i = 0; i < half; i++) out[i] = 1 / config.ropeTheta ** ((2 * i) / config.headDim);
  const s = config.ropeScaling;
  if (s === null) return out;
  if (s.type === "linear") return out.map((f) => f / s.factor);
  const lowWavelength = s.originalMaxPositions / s.lowFreqFactor;
  const highWavelength = s.originalMaxPositions / s.highFreqFactor;
  return out.map((f) => {
    const wavelength = (2 * Math.PI) / f;
    if (wavelength > lowWavelength) return f / s.factor;
    if (wavelength < highWavelength) return f;
    const smooth =
      (s.originalMaxPositions / wavelength - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return ((1 - smooth) * f) / s.factor + smooth * f;
  });
}
