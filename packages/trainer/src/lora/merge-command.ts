import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { CommandLineError } from "../command-line-error.js";
import type { FloatType } from "../float-type.js";
import { loadPretrainedModel, savePretrainedModel } from "../models/pretrained-model.js";
import { parseCommandLine, wantsHelp } from "../parse-command-line.js";
import { declaredFloatDtype } from "../safetensors/safetensors-dtype.js";
import { loraScale } from "./lora-config.js";
import { mergeLoraAdapter } from "./merge-adapter.js";
import { loadLoraAdapter } from "./peft-adapter.js";

/** Usage of `apo merge`, shown by `apo --help`. */
export const MERGE_USAGE = `  apo merge --model DIR --adapter DIR --out DIR [--force]
      a full checkpoint with a PEFT LoRA adapter merged into the base weights (W + s·B·A, PEFT's
      merge_and_unload), in the base checkpoint's dtype, with its tokenizer; --force writes into a
      non-empty DIR`;

/** `apo merge --help`: the usage and examples. */
export const MERGE_HELP = `apo merge: fold a LoRA adapter into its base model, as PEFT's merge_and_unload

usage:
${MERGE_USAGE}

The adapter folder holds adapter_config.json and adapter_model.safetensors (PEFT's format: a checkpoint
of apo train --lora, or PEFT's save_pretrained). Each tensor must fit the base model; one that does not
is named. The merged folder loads in transformers, vLLM and every apo command like any checkpoint.

examples:
  apo merge --model models/base --adapter runs/lora/checkpoint-100 --out models/merged
  apo logprobs --model models/merged --data pairs.jsonl --out logps.jsonl

apo logprobs, apo generate and apo serve also take --adapter DIR, which merges in memory.
`;

/** Files of a checkpoint's weights, replaced with --force so no stale shard survives beside the new ones. */
function isWeightFile(name: string): boolean {
  return /^model(-\d+-of-\d+)?\.safetensors$/.test(name) || name === "model.safetensors.index.json";
}

/**
 * The precision to hold the base in while merging: float32 when `config.json` declares F32, F16 or BF16
 * (they widen exactly, and half the memory of float64), float64 for F64 or no declared dtype (exact).
 * The update is summed in float64 either way and rounded once into the weight.
 */
async function mergeDtype(modelDir: string): Promise<FloatType> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(modelDir, "config.json"), "utf8"));
  } catch {
    return "float64"; // loadPretrainedModel reports the unreadable config
  }
  const declared =
    typeof raw === "object" && raw !== null ? declaredFloatDtype(raw as Record<string, unknown>) : null;
  return declared === null || declared === "F64" ? "float64" : "float32";
}

/**
 * `apo merge --model DIR --adapter DIR --out DIR [--force]`: load the base checkpoint (float32 for F32/F16/BF16
 * checkpoints, float64 for F64: each update is summed in float64 and rounded once), merge the adapter and save a full checkpoint in each weight's stored dtype. Refuses a
 * non-empty `--out` without `--force`. Returns the exit code.
 *
 * @throws CommandLineError (a missing flag, a non-empty --out), AdapterError (an adapter that does not fit)
 * @example
 * ```ts
 * await mergeCommand(["--model", "models/base", "--adapter", "adapters/a", "--out", "models/merged"]);
 * ```
 */
export async function mergeCommand(
  args: readonly string[],
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<number> {
  if (wantsHelp(args)) {
    process.stdout.write(MERGE_HELP);
    return 0;
  }
  const values = parseCommandLine("merge", args, {
    model: { type: "string" },
    adapter: { type: "string" },
    out: { type: "string" },
    force: { type: "boolean" },
  });
  for (const flag of ["model", "adapter", "out"] as const) {
    if (values[flag] === undefined) {
      throw new CommandLineError(`apo merge needs --${flag} DIR (apo merge --help)`, { flag });
    }
  }
  const out = values.out as string;
  let entries: string[] = [];
  try {
    entries = await readdir(out);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== "ENOENT") throw cause;
  }
  if (entries.length > 0 && values.force !== true) {
    const shown = entries.sort().slice(0, 3).join(", ");
    throw new CommandLineError(
      `--out ${out} holds ${shown}${entries.length > 3 ? ", …" : ""}: give an empty or new folder, or pass --force to write over it`,
      { flag: "out" },
    );
  }
  const base = await loadPretrainedModel(values.model as string, {
    dtype: await mergeDtype(values.model as string),
  });
  const adapter = await loadLoraAdapter(values.adapter as string, { model: base, dtype: "float64" });
  const merged = mergeLoraAdapter(base, adapter);
  for (const name of entries.filter(isWeightFile)) await rm(join(out, name));
  await savePretrainedModel(merged, out);
  const { r, alpha } = adapter.config;
  write(
    `merged ${adapter.modules.length} modules (r ${r}, alpha ${alpha}, scale ${loraScale(adapter.config)}) into ${out}`,
  );
  return 0;
}
