import { TrainConfigError } from "../train-step/train-config-error.js";

/** What the loss flags of `apo train` and `apo export-trl` set. */
export interface LossFlagOptions {
  loss?: string | string[];
  lossWeights?: number[];
  lossParams?: Record<string, number>;
}

/**
 * A comma-separated list of finite numbers.
 *
 * @throws TrainConfigError naming `--flag` otherwise
 * @example
 * ```ts
 * numberList("loss-weights", "1,0.5"); // [1, 0.5]
 * ```
 */
export function numberList(flag: string, raw: string): number[] {
  return raw.split(",").map((item) => {
    const n = Number(item);
    if (item.trim() === "" || !Number.isFinite(n)) {
      throw new TrainConfigError(`--${flag}`, raw, "comma-separated finite numbers");
    }
    return n;
  });
}

/**
 * `--loss a,b` (TRL's `loss_type` list), `--loss-weights 1,0.5` (its `loss_weights`) and repeatable
 * `--loss-param NAME=VALUE` (e.g. `labelSmoothing=0.1`, shared by the listed losses as TRL shares its
 * config fields), as `apo train` and `apo export-trl` both read them.
 *
 * @throws TrainConfigError naming the flag of a malformed value
 * @example
 * ```ts
 * lossFlags("sigmoid,sft", "1,0.5", ["beta=0.2"]); // { loss: ["sigmoid", "sft"], lossWeights: [1, 0.5], lossParams: { beta: 0.2 } }
 * ```
 */
export function lossFlags(
  loss: string | undefined,
  weights: string | undefined,
  params: readonly string[] | undefined,
): LossFlagOptions {
  const out: LossFlagOptions = {};
  if (loss !== undefined) {
    const names = loss.split(",").map((n) => n.trim());
    if (names.some((n) => n === ""))
      throw new TrainConfigError("--loss", loss, "loss names separated by commas");
    out.loss = names.length === 1 ? (names[0] as string) : names;
  }
  if (weights !== undefined) out.lossWeights = numberList("loss-weights", weights);
  if (params !== undefined && params.length > 0) {
    const record: Record<string, number> = {};
    for (const item of params) {
      const eq = item.indexOf("=");
      const value = Number(item.slice(eq + 1));
      if (eq <= 0 || item.slice(eq + 1).trim() === "" || !Number.isFinite(value)) {
        throw new TrainConfigError(
          "--loss-param",
          item,
          "NAME=VALUE with a finite number, e.g. labelSmoothing=0.1",
        );
      }
      record[item.slice(0, eq)] = value;
    }
    out.lossParams = record;
  }
  return out;
}
