import type { LossParams } from "./definition.js";
import { LossParameterError } from "./errors.js";

/**
 * Merges user parameters over a loss's defaults, refusing names the loss does not know and non-numbers.
 */
export function resolveParams<P extends LossParams>(
  loss: string,
  defaults: P,
  given: Partial<P> | undefined,
): P {
  if (given === undefined) return defaults;
  const out: Record<string, number> = { ...(defaults as Record<string, number>) };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in defaults)) {
      throw new LossParameterError(
        loss,
        key,
        value,
        `one of: ${Object.keys(defaults).join(", ") || "(none)"}`,
      );
    }
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new LossParameterError(loss, key, value, "a number");
    }
    out[key] = value;
  }
  return out as unknown as P;
}

/** β > 0 and finite. */
export function checkBeta(loss: string, beta: number, name = "beta"): void {
  if (!(beta > 0 && Number.isFinite(beta)))
    throw new LossParameterError(loss, name, beta, "a finite number > 0");
}

/** lo ≤ value < hi (or ≤ hi when `inclusiveHigh`). */
export function checkRange(
  loss: string,
  name: string,
  value: number,
  lo: number,
  hi: number,
  { loOpen = false, hiOpen = true }: { loOpen?: boolean; hiOpen?: boolean } = {},
): void {
  const okLo = loOpen ? value > lo : value >= lo;
  const okHi = hiOpen ? value < hi : value <= hi;
  if (!(okLo && okHi)) {
    throw new LossParameterError(loss, name, value, `${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`);
  }
}

/** Any finite number. */
export function checkFinite(loss: string, name: string, value: number): void {
  if (!Number.isFinite(value)) throw new LossParameterError(loss, name, value, "a finite number");
}
