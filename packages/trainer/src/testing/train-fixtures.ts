import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTinyModel } from "../models/create-tiny-model.js";

/** A tiny model folder and a synthetic preference file, for tests and demos of the training loop. */
export interface TinyTrainingSetup {
  readonly modelDir: string;
  readonly dataFile: string;
  /** The rows written to `dataFile`, in order. */
  readonly rows: { prompt: string; chosen: string; rejected: string }[];
}

/**
 * Write a seeded tiny Llama (1 layer, hidden 16, with the byte-level tokenizer and chat template) and
 * `pairs.jsonl` with `pairs` synthetic pairs whose chosen answers share a pattern the rejected ones lack.
 *
 * @example
 * ```ts
 * const { modelDir, dataFile } = await writeTinyTrainingSetup(await mkdtemp(join(tmpdir(), "apo-")), 12);
 * await train({ model: modelDir, data: dataFile, out: "runs/tiny", lr: 1e-3 });
 * ```
 */
export async function writeTinyTrainingSetup(dir: string, pairs = 12): Promise<TinyTrainingSetup> {
  const modelDir = join(dir, "model");
  await createTinyModel({
    family: "llama",
    seed: 5,
    hiddenSize: 16,
    numLayers: 1,
    numHeads: 2,
    intermediateSize: 32,
    out: modelDir,
  });
  const rows = Array.from({ length: pairs }, (_, i) => ({
    prompt: `Q${i}: sky?`,
    chosen: i % 2 === 0 ? "blue" : "blue!",
    rejected: `no ${i % 3}`,
  }));
  const dataFile = join(dir, "pairs.jsonl");
  await writeFile(dataFile, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return { modelDir, dataFile, rows };
}

/**
 * Write the rows of a {@link TinyTrainingSetup} as an unpaired (KTO-format) file: each pair's chosen
 * answer as a desirable example and its rejected answer as an undesirable one, in that order.
 *
 * @example
 * ```ts
 * const setup = await writeTinyTrainingSetup(dir, 8);
 * const file = await writeTinyUnpairedData(setup, join(dir, "kto.jsonl"));
 * await train({ model: setup.modelDir, data: file, out: "runs/kto", loss: "kto", lr: 1e-3 });
 * ```
 */
export async function writeTinyUnpairedData(setup: TinyTrainingSetup, file: string): Promise<string> {
  const rows = setup.rows.flatMap((r) => [
    { prompt: r.prompt, completion: r.chosen, label: true },
    { prompt: r.prompt, completion: r.rejected, label: false },
  ]);
  await writeFile(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(""));
  return file;
}
