import { existsSync } from "node:fs";
import { readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IoError, withPath } from "../io-error.js";
import type { LoraConfig } from "../lora/lora-config.js";
import { adapterWeights } from "../lora/lora-policy-log-probs.js";
import { type LoraAdapter, loadLoraAdapter, saveLoraAdapter } from "../lora/peft-adapter.js";
import {
  loadPretrainedModel,
  type PretrainedModel,
  savePretrainedModel,
} from "../models/pretrained-model.js";
import { readSafetensorsFile } from "../safetensors/read-safetensors.js";
import type { WeightMap } from "../safetensors/tensor.js";
import { writeSafetensorsFile } from "../safetensors/write-safetensors.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { stateInputName } from "../train-step/train-step-graph.js";
import type { RunDataDigests } from "./data-digest.js";
import { isProcessAlive } from "./run-lock.js";
import type { TrainConfig } from "./train-options.js";

/** Where a run stands, saved as `trainer_state.json` in each checkpoint. */
export interface TrainerState {
  readonly version: 1;
  /** Optimizer steps taken. */
  readonly step: number;
  readonly totalSteps: number;
  readonly stepsPerEpoch: number;
  /** The epoch in progress (0-based; equals `config.epochs` when training is over). */
  readonly epoch: number;
  /** Optimizer steps already taken in that epoch. */
  readonly stepInEpoch: number;
  /** Shuffling generator state before that epoch's permutation was drawn. */
  readonly rngState: number;
  readonly config: TrainConfig;
  /**
   * Absolute path, size and SHA-256 of the data and held-out files the run trains on, checked on resume
   * (absent in checkpoints of older versions).
   */
  readonly dataFiles?: RunDataDigests;
}

/** File names inside `out/checkpoint-<step>/` besides the Hugging Face model files. */
export const CHECKPOINT_FILES = {
  state: "trainer_state.json",
  optimizer: "optimizer.safetensors",
} as const;

type FloatArray = Float32Array | Float64Array;

/** What {@link saveCheckpoint} writes. */
export interface CheckpointContents {
  /** The model trained (config, tokenizer, weights not trained). */
  readonly base: PretrainedModel;
  /** Current weights by Hugging Face name. */
  readonly weights: ReadonlyMap<string, FloatArray>;
  /** Optimizer state by graph input name (`state/<slot>/<weight>`). */
  readonly optimizerState: ReadonlyMap<string, FloatArray>;
  readonly stateSlots: readonly string[];
  readonly state: TrainerState;
  /**
   * A LoRA run's adapter config: then `weights` are the adapter's A and B (PEFT names), saved in PEFT's
   * format (`adapter_config.json` + `adapter_model.safetensors`) instead of the model.
   */
  readonly lora?: LoraConfig | null;
}

/**
 * The model with the given weights in place of its own, in their own precision (a float64 run's arrays
 * stay float64), each keeping the dtype its checkpoint stored it in, so a save writes it back that way.
 *
 * @example
 * ```ts
 * const trained = withWeights(model, session.weights);
 * ```
 */
export function withWeights(
  base: PretrainedModel,
  weights: ReadonlyMap<string, FloatArray>,
): PretrainedModel {
  const merged: WeightMap = new Map();
  for (const [name, t] of base.weights) {
    const w = weights.get(name);
    merged.set(name, w === undefined ? t : { ...t, data: w });
  }
  return { ...base, weights: merged };
}

/**
 * Save `out/checkpoint-<step>/`: the model as a Hugging Face folder (safetensors with HF names, config,
 * tokenizer files) by `savePretrainedModel`, each weight in the dtype its checkpoint stored it in (a
 * float64 run of an F64 checkpoint exactly; of a BF16 one, rounded to BF16), the optimizer state in the
 * run's precision as `optimizer.safetensors` (tensor names `state/<slot>/<weight>`), and
 * `trainer_state.json` (step, epoch, position in the epoch, RNG state, config). A LoRA run (`lora`) saves
 * its adapter in PEFT's format instead of the model (`saveLoraAdapter`: `adapter_config.json` and
 * `adapter_model.safetensors`, which PEFT's `PeftModel.from_pretrained` loads). The folder is written
 * under a temporary name and renamed, so a crash never leaves half a checkpoint.
 *
 * @example
 * ```ts
 * const dir = await saveCheckpoint("runs/a", { base, weights: session.weights, optimizerState: session.state, stateSlots, state });
 * ```
 */
export async function saveCheckpoint(out: string, contents: CheckpointContents): Promise<string> {
  const dir = join(out, `checkpoint-${contents.state.step}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  try {
    await withPath(tmp, "remove", () => rm(tmp, { recursive: true, force: true }));
    const saved = await saveWeights(tmp, contents);
    const optimizer: WeightMap = new Map();
    for (const [name, t] of saved) {
      for (const slot of contents.stateSlots) {
        const key = stateInputName(slot, name);
        const value = contents.optimizerState.get(key);
        if (value !== undefined) optimizer.set(key, { shape: t.shape, data: value });
      }
    }
    const optimizerFile = join(tmp, CHECKPOINT_FILES.optimizer);
    await withPath(optimizerFile, "write", () => writeSafetensorsFile(optimizerFile, optimizer));
    // Written last: a temporary folder with a readable state is complete (see removeStaleCheckpointFolders).
    const stateFile = join(tmp, CHECKPOINT_FILES.state);
    await withPath(stateFile, "write", () =>
      writeFile(stateFile, `${JSON.stringify(contents.state, null, 2)}\n`),
    );
  } catch (error) {
    // A failed save (a full disk) leaves no half checkpoint of gigabytes behind.
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await withPath(dir, "replace", () => rm(dir, { recursive: true, force: true }));
  await withPath(dir, "rename the finished checkpoint to", () => rename(tmp, dir));
  return dir;
}

/** Write the model (or a LoRA run's adapter) into `dir`; returns the tensors written, by name. */
async function saveWeights(dir: string, contents: CheckpointContents): Promise<WeightMap> {
  const lora = contents.lora ?? null;
  if (lora === null) {
    const model = withWeights(contents.base, contents.weights);
    await withPath(dir, "save the model to", () => savePretrainedModel(model, dir));
    return model.weights;
  }
  const weights = adapterWeights(lora, contents.weights);
  await withPath(dir, "save the LoRA adapter to", () =>
    saveLoraAdapter(dir, {
      config: lora,
      weights,
      model: contents.base,
      baseModel: contents.state.config.model,
    }),
  );
  return weights;
}

/**
 * Clean up the temporary folders of saves that did not finish (`checkpoint-<step>.tmp-<pid>`, left by a
 * process killed while saving): a folder whose process is gone is removed, unless it is complete (its
 * `trainer_state.json`, written last, reads back) and its `checkpoint-<step>` is missing (killed between
 * replacing the old folder and renaming the new one), in which case it is renamed into place. Call it
 * while holding the run folder's lock. Returns one line per folder, for the log.
 *
 * @throws IoError naming the folder that cannot be removed or renamed
 * @example
 * ```ts
 * for (const line of await removeStaleCheckpointFolders("runs/a")) console.error(line);
 * ```
 */
export async function removeStaleCheckpointFolders(out: string): Promise<string[]> {
  const lines: string[] = [];
  let names: string[];
  try {
    names = await readdir(out);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return lines;
    throw new IoError(out, "list", error);
  }
  for (const name of names.sort()) {
    const m = /^(checkpoint-\d+)\.tmp-(\d+)$/.exec(name);
    if (m === null) continue;
    const pid = Number(m[2]);
    if (pid !== process.pid && isProcessAlive(pid)) continue;
    const tmp = join(out, name);
    const dir = join(out, m[1] as string);
    const complete = await readFile(join(tmp, CHECKPOINT_FILES.state), "utf8").then(
      (text) => {
        JSON.parse(text);
        return true;
      },
      () => false,
    );
    if (complete && !existsSync(dir)) {
      await withPath(tmp, "rename", () => rename(tmp, dir));
      lines.push(
        `restored ${dir} from ${name}, a finished save whose process (pid ${pid}) stopped before renaming it`,
      );
    } else {
      await withPath(tmp, "remove", () => rm(tmp, { recursive: true, force: true }));
      lines.push(`removed ${tmp}: a save that did not finish (its process, pid ${pid}, is gone)`);
    }
  }
  return lines;
}

/**
 * Read the `trainer_state.json` of a checkpoint folder (without its weights).
 *
 * @throws TrainConfigError (field `resumeFrom`) when it is not a version-1 state; IoError naming the file
 *   when it cannot be read or is not JSON
 * @example
 * ```ts
 * const state = await readTrainerState("runs/a/checkpoint-180");
 * ```
 */
export async function readTrainerState(dir: string): Promise<TrainerState> {
  const file = join(dir, CHECKPOINT_FILES.state);
  const text = await withPath(file, "read", () => readFile(file, "utf8"));
  let state: TrainerState;
  try {
    state = JSON.parse(text) as TrainerState;
  } catch (error) {
    throw new IoError(file, "read", error);
  }
  if (state?.version !== 1) {
    throw new TrainConfigError("resumeFrom", dir, "a checkpoint of trainer_state version 1");
  }
  return state;
}

/** A checkpoint read back by {@link loadCheckpoint}. */
export interface LoadedCheckpoint {
  readonly dir: string;
  /** The model saved (null for a LoRA run's checkpoint, which holds the adapter instead). */
  readonly model: PretrainedModel | null;
  /** A LoRA run's adapter, in the run's precision (null for full fine-tuning). */
  readonly adapter: LoraAdapter | null;
  readonly optimizerState: WeightMap;
  readonly state: TrainerState;
}

/**
 * The checkpoint folder to resume from: `path` itself when it holds `trainer_state.json`, else its
 * `checkpoint-<step>` folder with the highest step.
 *
 * @throws TrainConfigError (field `resumeFrom`) when there is none
 * @example
 * ```ts
 * await findCheckpoint("runs/a"); // "runs/a/checkpoint-180"
 * ```
 */
export async function findCheckpoint(path: string): Promise<string> {
  if (existsSync(join(path, CHECKPOINT_FILES.state))) return path;
  const expected =
    "a checkpoint folder (with trainer_state.json) or an output folder with checkpoint-<step> folders";
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    throw new TrainConfigError("resumeFrom", path, expected);
  }
  const steps = names
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(path, m[0], CHECKPOINT_FILES.state)))
    .map((m) => Number(m[1]));
  if (steps.length === 0) throw new TrainConfigError("resumeFrom", path, expected);
  return join(path, `checkpoint-${Math.max(...steps)}`);
}

/**
 * Read a checkpoint written by {@link saveCheckpoint}, its weights (a LoRA run's: its adapter) and optimizer
 * state in the precision of the run that wrote it.
 *
 * @example
 * ```ts
 * const { model, optimizerState, state } = await loadCheckpoint(await findCheckpoint("runs/a"));
 * ```
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const state = await readTrainerState(dir);
  // In the run's precision, so a float64 run resumes from exactly the values it saved.
  const dtype = state.config.dtype ?? "float32";
  const lora = state.config.lora ?? null;
  const model = lora === null ? await loadPretrainedModel(dir, { dtype }) : null;
  const adapter = lora === null ? null : await loadLoraAdapter(dir, { dtype });
  const optimizerState = await readSafetensorsFile(join(dir, CHECKPOINT_FILES.optimizer), { dtype });
  return { dir, model, adapter, optimizerState, state };
}
