import { TrainConfigError } from "../train-step/train-config-error.js";
import type { LoraConfig } from "./lora-config.js";
import type { LoraOption } from "./lora-options.js";

/** The LoRA flags, for `parseCommandLine` (shared by `apo train` and `apo export-trl`). */
export const LORA_FLAG_OPTIONS = {
  lora: { type: "boolean" },
  "lora-r": { type: "string" },
  "lora-alpha": { type: "string" },
  "lora-targets": { type: "string" },
  "lora-rslora": { type: "boolean" },
} as const;

/** Usage line of the LoRA flags. */
export const LORA_FLAGS_USAGE =
  "[--lora] [--lora-r 16] [--lora-alpha 32] [--lora-targets all-linear|q_proj,v_proj,…] [--lora-rslora]";

/** The values `parseCommandLine` gives for {@link LORA_FLAG_OPTIONS}. */
export interface LoraFlagValues {
  readonly lora?: boolean | undefined;
  readonly "lora-r"?: string | undefined;
  readonly "lora-alpha"?: string | undefined;
  readonly "lora-targets"?: string | undefined;
  readonly "lora-rslora"?: boolean | undefined;
}

/**
 * The LoRA a command line asks for: undefined without any LoRA flag, `true` for a bare `--lora` (the
 * defaults: r 16, alpha 32, all-linear), else the fields given (`--lora-r 8` alone means LoRA with r 8 and
 * the other defaults).
 *
 * @throws TrainConfigError naming the flag: `--lora-r` not a positive integer, `--lora-alpha` not a positive
 *   number, `--lora-targets` with an empty name
 * @example
 * ```ts
 * loraFromFlags({ "lora-r": "8", "lora-targets": "q_proj,v_proj" }); // { r: 8, targets: ["q_proj", "v_proj"] }
 * loraFromFlags({ lora: true }); // true
 * loraFromFlags({}); // undefined
 * ```
 */
export function loraFromFlags(values: LoraFlagValues): LoraOption | undefined {
  const out: { -readonly [K in keyof LoraConfig]?: LoraConfig[K] } = {};
  const number = (flag: "lora-r" | "lora-alpha"): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n)) throw new TrainConfigError(`--${flag}`, raw, "a number");
    return n;
  };
  const r = number("lora-r");
  if (r !== undefined) {
    if (!Number.isInteger(r) || r <= 0)
      throw new TrainConfigError("--lora-r", r, "a positive integer (the LoRA rank)");
    out.r = r;
  }
  const alpha = number("lora-alpha");
  if (alpha !== undefined) {
    if (!(alpha > 0)) throw new TrainConfigError("--lora-alpha", alpha, "a positive number (lora_alpha)");
    out.alpha = alpha;
  }
  const targets = values["lora-targets"];
  if (targets !== undefined) {
    const names = targets.split(",").map((t) => t.trim());
    if (names.some((t) => t === "")) {
      throw new TrainConfigError(
        "--lora-targets",
        targets,
        "module names separated by commas, or all-linear",
      );
    }
    out.targets = names;
  }
  if (values["lora-rslora"] === true) out.rsLora = true;
  if (Object.keys(out).length > 0) return out;
  return values.lora === true ? true : undefined;
}
