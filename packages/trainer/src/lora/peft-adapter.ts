import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { FloatType } from "../float-type.js";
import { readSafetensorsFile } from "../safetensors/read-safetensors.js";
import type { FloatSafetensorsDtype } from "../safetensors/safetensors-dtype.js";
import type { WeightMap, WeightTensor } from "../safetensors/tensor.js";
import { writeSafetensorsFile } from "../safetensors/write-safetensors.js";
import { type LoraConfig, loraAName, loraBName, PEFT_PREFIX } from "./lora-config.js";
import { AdapterError } from "./lora-errors.js";
import {
  expandLoraTargets,
  isAllLinear,
  type LoraBaseModel,
  type LoraModule,
  linearModules,
  loraModules,
  targetMatches,
  targetNamesOf,
} from "./lora-modules.js";

/** File name of a PEFT adapter's config. */
export const ADAPTER_CONFIG_FILE = "adapter_config.json";
/** File name of a PEFT adapter's tensors. */
export const ADAPTER_WEIGHTS_FILE = "adapter_model.safetensors";

/**
 * A LoRA adapter in memory: its shape, its A and B tensors by PEFT's names, the modules they wrap (in model
 * order) and the base model the adapter was saved for (`base_model_name_or_path`), when it says.
 *
 * @example
 * ```ts
 * const adapter: LoraAdapter = await loadLoraAdapter("runs/a/checkpoint-10", { model });
 * adapter.modules.map((m) => m.module); // ["model.layers.0.self_attn.q_proj", …]
 * ```
 */
export interface LoraAdapter {
  readonly config: LoraConfig;
  /** `base_model.model.<module>.lora_A.weight` [r, in] and `….lora_B.weight` [out, r]. */
  readonly weights: WeightMap;
  readonly modules: readonly LoraModule[];
  /** `base_model_name_or_path` of `adapter_config.json` (null when absent). */
  readonly baseModel: string | null;
}

/**
 * What {@link saveLoraAdapter} writes.
 *
 * @example
 * ```ts
 * const options: SaveLoraAdapterOptions = { config, weights, model, baseModel: "HuggingFaceTB/SmolLM-135M" };
 * ```
 */
export interface SaveLoraAdapterOptions {
  readonly config: LoraConfig;
  /** One A and one B per module `config.targets` names on `model`, by {@link loraAName}/{@link loraBName}. */
  readonly weights: WeightMap;
  /** The base model the adapter belongs to: its modules' shapes are checked, and GPT-2 sets `fan_in_fan_out`. */
  readonly model: LoraBaseModel;
  /** `base_model_name_or_path` (default null): a Hub id or the base model's folder. */
  readonly baseModel?: string | null;
  /** Float dtype of the stored tensors (default: each tensor's source dtype, else F32/F64 by array type). */
  readonly dtype?: FloatSafetensorsDtype;
}

/**
 * Options of {@link loadLoraAdapter}.
 *
 * @example
 * ```ts
 * const options: LoadLoraAdapterOptions = { model, dtype: "float64" };
 * ```
 */
export interface LoadLoraAdapterOptions {
  /**
   * The base model: every tensor's module must be one of its linear layers and its shape match. Without it,
   * only the adapter's own consistency is checked and each module's layout comes from `fan_in_fan_out`.
   */
  readonly model?: LoraBaseModel;
  /**
   * Precision of the tensors in memory. Default: float64 when every tensor is stored F64, else float32 (both
   * exact for F32/F16/BF16). Each tensor keeps its stored dtype as `sourceDtype`, so a re-save writes it back.
   */
  readonly dtype?: FloatType;
}

/**
 * The `adapter_config.json` PEFT 0.21's `save_pretrained` writes for a LoRA adapter of this shape: every key
 * its `LoraConfig` has, at PEFT's defaults except r, lora_alpha, target_modules (all-linear expanded to the
 * last components of the modules it wraps, as PEFT does), use_rslora, lora_dropout 0, bias "none",
 * task_type CAUSAL_LM and fan_in_fan_out (true for GPT-2's Conv1D layers). `peft_version` is left out:
 * PEFT fills in its own when it loads the file.
 *
 * @example
 * ```ts
 * peftAdapterConfig({ r: 8, alpha: 16, targets: ["q_proj"] }, modules, null).lora_alpha; // 16
 * ```
 */
export function peftAdapterConfig(
  config: LoraConfig,
  modules: readonly LoraModule[],
  baseModel: string | null,
  targetModules: readonly string[] = config.targets,
): Record<string, unknown> {
  return {
    alora_invocation_tokens: null,
    alpha_pattern: {},
    arrow_config: null,
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: "none",
    corda_config: null,
    ensure_weight_tying: false,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: modules.some((m) => m.layout === "conv1d"),
    inference_mode: true,
    init_lora_weights: true,
    kasa_config: null,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: config.alpha,
    lora_bias: false,
    lora_dropout: 0,
    lora_ga_config: null,
    megatron_config: null,
    megatron_core: "megatron.core",
    modules_to_save: null,
    monteclora_config: null,
    peft_type: "LORA",
    qalora_group_size: 16,
    r: config.r,
    rank_pattern: {},
    revision: null,
    target_modules: [...targetModules],
    target_parameters: null,
    task_type: "CAUSAL_LM",
    trainable_token_indices: null,
    use_bdlora: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: config.rsLora === true,
    velora_config: null,
  };
}

/**
 * Save a LoRA adapter as PEFT does: `adapter_config.json` ({@link peftAdapterConfig}) and
 * `adapter_model.safetensors` with PEFT's tensor names (`base_model.model.<module>.lora_A.weight` [r, in],
 * `….lora_B.weight` [out, r]; metadata `{ format: "pt" }`), which `PeftModel.from_pretrained(base, dir)`
 * loads. The weights are checked against `model` first, so a wrong shape never reaches the folder.
 *
 * @throws LoraTargetError (a target the model lacks), AdapterError (a missing, extra or mis-shaped tensor)
 * @example
 * ```ts
 * await saveLoraAdapter("runs/a/checkpoint-10", { config, weights: adapters, model, baseModel: "models/base" });
 * ```
 */
export async function saveLoraAdapter(dir: string, options: SaveLoraAdapterOptions): Promise<void> {
  const { config, weights, model } = options;
  const modules = loraModules(model, config.targets);
  const where = join(dir, ADAPTER_WEIGHTS_FILE);
  const ordered: WeightMap = new Map();
  for (const m of modules) {
    for (const [name, shape] of expectedShapes(m, config.r)) {
      const t = weights.get(name);
      if (t === undefined)
        throw new AdapterError(where, name, `tensor "${name}" is missing from the weights to save`);
      checkShape(t, name, shape, where);
      ordered.set(name, t);
    }
  }
  for (const name of weights.keys()) {
    if (!ordered.has(name)) {
      throw new AdapterError(
        where,
        name,
        `tensor "${name}" is not an A or B of a module that targets [${config.targets.join(", ")}] name`,
      );
    }
  }
  const targets = expandLoraTargets(model, config.targets);
  await mkdir(dir, { recursive: true });
  await writeSafetensorsFile(
    where,
    ordered,
    options.dtype === undefined ? {} : { floatDtype: options.dtype },
  );
  const json = peftAdapterConfig(config, modules, options.baseModel ?? null, targets);
  await writeFile(join(dir, ADAPTER_CONFIG_FILE), `${JSON.stringify(json, null, 2)}\n`);
}

/** LoRA features that change the maths beyond y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ, with the value meaning "off". */
const UNSUPPORTED: readonly [key: string, off: (value: unknown) => boolean, what: string][] = [
  ["use_dora", (v) => v === false || v == null, "DoRA"],
  ["lora_bias", (v) => v === false || v == null, "a bias on lora_B"],
  ["bias", (v) => v === "none" || v == null, "trained base biases"],
  ["rank_pattern", isEmpty, "per-module ranks"],
  ["alpha_pattern", isEmpty, "per-module alphas"],
  ["modules_to_save", isEmpty, "fully trained extra modules"],
  ["layer_replication", (v) => v == null, "layer replication"],
  ["target_parameters", isEmpty, "LoRA on parameters"],
  ["trainable_token_indices", isEmpty, "trainable tokens"],
  ["use_qalora", (v) => v === false || v == null, "QALoRA"],
  ["alora_invocation_tokens", (v) => v == null, "activated LoRA"],
];

function isEmpty(value: unknown): boolean {
  if (value == null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && Object.keys(value).length === 0;
}

/**
 * Read and check a PEFT adapter folder's `adapter_config.json`: PEFT's defaults for absent keys (r 8,
 * lora_alpha 8, use_rslora false), unknown keys ignored as PEFT 0.21 ignores them, and refused: another
 * peft_type, r not a positive integer, lora_alpha not positive, and features beyond plain LoRA (DoRA,
 * rank_pattern, modules_to_save, …).
 *
 * @returns the config (targets as written; a regex string stays one entry) and base_model_name_or_path
 * @throws AdapterError naming the file and key
 * @example
 * ```ts
 * const { config } = await readAdapterConfig("adapters/a"); // { r: 16, alpha: 32, targets: ["q_proj", "v_proj"] }
 * ```
 */
export async function readAdapterConfig(
  dir: string,
): Promise<{ config: LoraConfig; baseModel: string | null; fanInFanOut: boolean; regex: boolean }> {
  const file = join(dir, ADAPTER_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (cause) {
    throw new AdapterError(file, ADAPTER_CONFIG_FILE, `cannot read a PEFT adapter config: ${String(cause)}`, {
      cause,
    });
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new AdapterError(file, ADAPTER_CONFIG_FILE, "adapter_config.json must be a JSON object");
  }
  const json = raw as Record<string, unknown>;
  if (json.peft_type !== "LORA") {
    throw new AdapterError(
      file,
      "peft_type",
      `peft_type = ${JSON.stringify(json.peft_type)}: only LoRA adapters ("LORA") are supported`,
    );
  }
  const r = json.r ?? 8;
  if (typeof r !== "number" || !Number.isInteger(r) || r <= 0) {
    throw new AdapterError(file, "r", `r = ${JSON.stringify(r)} is invalid: expected a positive integer`);
  }
  const alpha = json.lora_alpha ?? 8;
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha <= 0) {
    throw new AdapterError(
      file,
      "lora_alpha",
      `lora_alpha = ${JSON.stringify(alpha)} is invalid: expected a positive number`,
    );
  }
  const rs = json.use_rslora ?? false;
  if (typeof rs !== "boolean") {
    throw new AdapterError(
      file,
      "use_rslora",
      `use_rslora = ${JSON.stringify(rs)} is invalid: expected a boolean`,
    );
  }
  for (const [key, off, what] of UNSUPPORTED) {
    if (!off(json[key])) {
      throw new AdapterError(
        file,
        key,
        `${key} = ${JSON.stringify(json[key])} asks for ${what}, which apo does not support: only plain LoRA adapters load`,
      );
    }
  }
  const t = json.target_modules;
  const list = typeof t === "string" ? [t] : t;
  if (!Array.isArray(list) || list.length === 0 || list.some((x) => typeof x !== "string" || x === "")) {
    throw new AdapterError(
      file,
      "target_modules",
      `target_modules = ${JSON.stringify(t)} is invalid: expected a non-empty list of module names or a pattern`,
    );
  }
  const base = json.base_model_name_or_path;
  return {
    config: { r, alpha, targets: list as string[], ...(rs ? { rsLora: true } : {}) },
    baseModel: typeof base === "string" ? base : null,
    fanInFanOut: json.fan_in_fan_out === true,
    regex: typeof t === "string" && !isAllLinear([t]),
  };
}

/** PEFT's tensor name → module and which matrix, or null for a name that is not a LoRA A/B weight. */
function parseTensorName(name: string): { module: string; matrix: "A" | "B" } | null {
  const match = /^(.+)\.lora_([AB])\.weight$/.exec(name);
  if (match === null || !match[1]!.startsWith(PEFT_PREFIX)) return null;
  return { module: match[1]!.slice(PEFT_PREFIX.length), matrix: match[2] as "A" | "B" };
}

/**
 * Load a PEFT LoRA adapter folder (`adapter_config.json` + `adapter_model.safetensors`), as saved by
 * PEFT's `save_pretrained` or {@link saveLoraAdapter}, and check it against the base model: every tensor
 * must be `base_model.model.<module>.lora_{A,B}.weight` of a linear layer that `target_modules` names (a
 * list by PEFT's suffix rule, "all-linear", or a regex string matched whole against the module path), with
 * A [r, in] and B [out, r]; each module needs both. A regex comes back as the last components of the
 * modules it matched, so `config.targets` always works with {@link loraModules}.
 *
 * @throws AdapterError naming the file and the key or tensor at fault; SafetensorsError for a broken file
 * @example
 * ```ts
 * const model = await loadPretrainedModel("models/base", { dtype: "float64" });
 * const adapter = await loadLoraAdapter("adapters/a", { model });
 * ```
 */
export async function loadLoraAdapter(
  dir: string,
  options: LoadLoraAdapterOptions = {},
): Promise<LoraAdapter> {
  const { config, baseModel, fanInFanOut, regex } = await readAdapterConfig(dir);
  const file = join(dir, ADAPTER_WEIGHTS_FILE);
  if (!existsSync(file)) {
    const bin = existsSync(join(dir, "adapter_model.bin"));
    throw new AdapterError(
      file,
      ADAPTER_WEIGHTS_FILE,
      bin
        ? "adapter_model.bin (pickle) is not read: re-save the adapter with safe_serialization=True (PEFT's default)"
        : "adapter_model.safetensors is missing",
    );
  }
  const stored = await readSafetensorsFile(file, { dtype: "float64" });
  const dtype =
    options.dtype ?? ([...stored.values()].every((t) => t.sourceDtype === "F64") ? "float64" : "float32");
  const named = (target: string, module: string) =>
    regex
      ? new RegExp(`^(?:${target})$`).test(module)
      : isAllLinear([target]) || targetMatches(target, module);
  const found = new Map<string, { A?: WeightTensor; B?: WeightTensor }>();
  for (const [name, t] of stored) {
    const parsed = parseTensorName(name);
    if (parsed === null) {
      throw new AdapterError(
        file,
        name,
        `tensor "${name}" is not a LoRA weight (expected ${PEFT_PREFIX}<module>.lora_A.weight or .lora_B.weight)`,
      );
    }
    if (!config.targets.some((target) => named(target, parsed.module))) {
      throw new AdapterError(
        file,
        name,
        `tensor "${name}" wraps module "${parsed.module}", which target_modules [${config.targets.join(", ")}] does not name`,
      );
    }
    const entry = found.get(parsed.module) ?? {};
    entry[parsed.matrix] = {
      ...t,
      data: dtype === "float64" ? t.data : Float32Array.from(t.data as Float64Array),
    };
    found.set(parsed.module, entry);
  }
  if (found.size === 0) throw new AdapterError(file, ADAPTER_WEIGHTS_FILE, "the adapter holds no tensors");
  const modules =
    options.model === undefined ? modulesOf(found, fanInFanOut) : baseModules(found, options.model, file);
  const weights: WeightMap = new Map();
  for (const m of modules) {
    const entry = found.get(m.module)!;
    for (const [name, shape] of expectedShapes(m, config.r)) {
      const t = name === loraAName(m.module) ? entry.A : entry.B;
      if (t === undefined) {
        throw new AdapterError(
          file,
          name,
          `tensor "${name}" is missing: module "${m.module}" needs both A and B`,
        );
      }
      checkShape(t, name, shape, file);
      weights.set(name, t);
    }
  }
  // A regex target_modules has no suffix-rule equivalent: the loaded config names the modules' last components.
  const targets = regex ? targetNamesOf(modules) : config.targets;
  return { config: { ...config, targets }, weights, modules, baseModel };
}

/** The base model's linear layers that the adapter's tensors wrap, in model order. */
function baseModules(found: ReadonlyMap<string, unknown>, model: LoraBaseModel, file: string): LoraModule[] {
  const all = linearModules(model);
  const paths = new Set(all.map((m) => m.module));
  for (const module of found.keys()) {
    if (!paths.has(module)) {
      throw new AdapterError(
        file,
        loraAName(module),
        `tensor "${loraAName(module)}" wraps module "${module}", which is not a linear layer of the base model (the adapter belongs to another model?); its linear layers: ${all
          .slice(0, 8)
          .map((m) => m.module)
          .join(", ")}${all.length > 8 ? `, … (${all.length})` : ""}`,
      );
    }
  }
  return all.filter((m) => found.has(m.module));
}

/** Modules read off the tensors alone: in = A's columns, out = B's rows, layout from fan_in_fan_out. */
function modulesOf(
  found: ReadonlyMap<string, { A?: WeightTensor; B?: WeightTensor }>,
  fanInFanOut: boolean,
): LoraModule[] {
  return [...found].map(([module, { A, B }]) => ({
    module,
    baseWeight: `${module}.weight`,
    inFeatures: A?.shape[1] ?? Number.NaN,
    outFeatures: B?.shape[0] ?? Number.NaN,
    layout: fanInFanOut ? "conv1d" : "linear",
  }));
}

function expectedShapes(m: LoraModule, r: number): [string, number[]][] {
  return [
    [loraAName(m.module), [r, m.inFeatures]],
    [loraBName(m.module), [m.outFeatures, r]],
  ];
}

function checkShape(t: WeightTensor, name: string, shape: readonly number[], file: string): void {
  if (!(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
    throw new AdapterError(file, name, `tensor "${name}" must hold floats, not ${t.data.constructor.name}`);
  }
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new AdapterError(
      file,
      name,
      `tensor "${name}" has shape [${t.shape.join(", ")}] but the base model and r need [${shape.join(", ")}] (A is [r, in], B is [out, r])`,
    );
  }
}
