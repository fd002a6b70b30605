import { CommandLineError } from "../command-line-error.js";
import type { GenerationOptions } from "./generator.js";

/** Usage lines of the sampling flags shared by `apo generate` and `apo serve`. */
export const SAMPLING_FLAGS_USAGE =
  "[--temperature 1] [--top-p 1] [--top-k 0] [--max-tokens 256] [--seed N] [--stop TEXT]...";

/** `parseArgs` declarations of the sampling flags. */
export const SAMPLING_FLAG_OPTIONS = {
  temperature: { type: "string" },
  "top-p": { type: "string" },
  "top-k": { type: "string" },
  "max-tokens": { type: "string" },
  seed: { type: "string" },
  stop: { type: "string", multiple: true },
} as const;

/**
 * A number flag, or undefined when absent.
 *
 * @throws CommandLineError naming the flag
 * @example
 * ```ts
 * numberFlag("0.7", "temperature"); // 0.7
 * ```
 */
export function numberFlag(value: string | undefined, flag: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new CommandLineError(`--${flag} must be ${integer ? "an integer" : "a number"}, got ${value}`, {
      flag,
    });
  }
  return n;
}

/**
 * Sampling options from parsed `--temperature`, `--top-p`, `--top-k`, `--max-tokens`, `--seed`, `--stop`.
 *
 * @example
 * ```ts
 * samplingFromFlags({ temperature: "0", "max-tokens": "32" }); // { temperature: 0, maxNewTokens: 32 }
 * ```
 */
export function samplingFromFlags(
  values: Partial<Record<"temperature" | "top-p" | "top-k" | "max-tokens" | "seed", string>> & {
    stop?: string[];
  },
): Omit<GenerationOptions, "onText" | "signal"> {
  const entries: [keyof GenerationOptions, unknown][] = [
    ["temperature", numberFlag(values.temperature, "temperature")],
    ["topP", numberFlag(values["top-p"], "top-p")],
    ["topK", numberFlag(values["top-k"], "top-k", true)],
    ["maxNewTokens", numberFlag(values["max-tokens"], "max-tokens", true)],
    ["seed", numberFlag(values.seed, "seed", true)],
    ["stop", values.stop],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Omit<
    GenerationOptions,
    "onText" | "signal"
  >;
}
