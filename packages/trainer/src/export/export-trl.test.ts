import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TrainDataError } from "../data/train-data-error.js";
import { exportTrl, TRL_MODEL_PLACEHOLDER } from "./export-trl.js";
import { exportTrlCommand, parseExportTrlArgs } from "./export-trl-command.js";
import { ExportTrlError } from "./export-trl-error.js";
import { formatTrlYaml, parseTrlYaml } from "./trl-yaml.js";

const pairs = [
  { prompt: "Q1", chosen: "A", rejected: "B" },
  {
    prompt: [{ role: "user", content: "Q2" }],
    chosen: [{ role: "assistant", content: "A" }],
    rejected: [{ role: "assistant", content: "B" }],
  },
  { prompt_ids: [1, 2], chosen_ids: [3], rejected_ids: [4] },
];
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join("\n\n");

describe("exportTrl", () => {
  let dir: string;
  let data: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-trl-"));
    data = join(dir, "pairs.jsonl");
    await writeFile(data, jsonl(pairs));
  });

  it("writes the dataset, a config that round-trips with the values given, and a README", async () => {
    const out = join(dir, "apo-down");
    const result = await exportTrl({
      data,
      eval: data,
      out,
      model: "org/model",
      loss: "apo_down",
      beta: 0.2,
      lr: 2e-7,
      epochs: 5,
      batchSize: 16,
      perDeviceBatchSize: 2,
      gpus: 4,
      warmupSteps: 3,
      maxPromptLength: 256,
      maxCompletionLength: 128,
      seed: 7,
    });
    expect(result.trainer).toBe("dpo");
    expect(result.rows).toEqual({ train: 3, test: 3 });
    const text = await readFile(join(out, "trl-config.yaml"), "utf8");
    expect(text).toMatch(/^learning_rate: 2\.0e-7$/m); // PyYAML reads 2e-7 as a string
    expect(parseTrlYaml(text)).toEqual(result.config);
    expect(result.config).toEqual({
      model_name_or_path: "org/model",
      dataset_name: "data",
      output_dir: "output",
      loss_type: "apo_down",
      beta: 0.2,
      learning_rate: 2e-7,
      lr_scheduler_type: "linear",
      warmup_steps: 3,
      num_train_epochs: 5,
      per_device_train_batch_size: 2,
      gradient_accumulation_steps: 2,
      max_prompt_length: 256,
      max_completion_length: 128,
      max_length: 384,
      optim: "rmsprop",
      max_grad_norm: 1,
      seed: 7,
      save_strategy: "epoch",
      logging_steps: 10,
      report_to: "none",
      eval_strategy: "epoch",
      per_device_eval_batch_size: 2,
    });
    const train = (await readFile(join(out, "data", "train.jsonl"), "utf8")).trim().split("\n");
    expect(train.map((l) => JSON.parse(l))).toEqual(pairs);
    expect(await readFile(join(out, "data", "test.jsonl"), "utf8")).toBe(
      await readFile(join(out, "data", "train.jsonl"), "utf8"),
    );
    const readme = await readFile(result.readme, "utf8");
    expect(readme).toContain("trl dpo --config trl-config.yaml");
    expect(readme).toContain("accelerate launch --num_processes 4");
  });

  it("uses apo train's defaults, the paper preset, and KTOTrainer for unpaired losses", async () => {
    const plain = await exportTrl({ data, out: join(dir, "defaults") });
    expect(plain.config).toMatchObject({
      model_name_or_path: TRL_MODEL_PLACEHOLDER,
      loss_type: "apo_zero",
      beta: 0.1,
      learning_rate: 1e-6,
      num_train_epochs: 3,
      per_device_train_batch_size: 4,
      gradient_accumulation_steps: 2,
    });
    expect(plain.config).not.toHaveProperty("eval_strategy");
    const paper = await exportTrl({ data, out: join(dir, "paper"), preset: "paper" });
    expect(paper.config).toMatchObject({
      learning_rate: 2e-7,
      num_train_epochs: 18,
      gradient_accumulation_steps: 4,
    });
    const ktoData = join(dir, "kto.jsonl");
    await writeFile(ktoData, jsonl([{ prompt: "Q", completion: "A", label: true }]));
    const kto = await exportTrl({
      data: ktoData,
      out: join(dir, "kto"),
      loss: "kto",
      lossParams: { undesirableWeight: 1.5 },
    });
    expect(kto.trainer).toBe("kto");
    expect(kto.config).toMatchObject({ loss_type: "kto", desirable_weight: 1, undesirable_weight: 1.5 });
    expect(kto.command).toBe("trl kto --config trl-config.yaml");
  });

  it("names the option or the line that cannot be exported", async () => {
    const out = join(dir, "bad");
    await expect(exportTrl({ data, out, loss: "simpo" })).rejects.toMatchObject({ field: "loss" });
    await expect(exportTrl({ data, out, loss: "simpo" })).rejects.toThrow(ExportTrlError);
    await expect(exportTrl({ data, out, batchSize: 6, gpus: 4 })).rejects.toMatchObject({
      field: "batchSize",
    });
    await expect(exportTrl({ data, out, lossParams: { delta: 1 }, loss: "hinge" })).rejects.toMatchObject({
      field: "lossParams.delta",
    });
    await expect(exportTrl({ data, out, gpus: 0 })).rejects.toMatchObject({ field: "gpus" });
    // A paired file given to an unpaired loss names its first line.
    const error = await exportTrl({ data, out, loss: "apo_zero_unpaired" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainDataError);
    expect(error).toMatchObject({ file: data, line: 1 });
    const broken = join(dir, "broken.jsonl");
    await writeFile(
      broken,
      `${JSON.stringify(pairs[0])}\n${JSON.stringify({ prompt: "Q", chosen: 3, rejected: "B" })}\n`,
    );
    await expect(exportTrl({ data: broken, out })).rejects.toThrow(
      /broken\.jsonl:2: "chosen" must be a string/,
    );
  });

  it("apo export-trl parses its flags and writes the export", async () => {
    const out = join(dir, "cli");
    const args = [
      "--data",
      data,
      "--out",
      out,
      "--loss",
      "apo_zero",
      "--beta",
      "0.3",
      "--lr",
      "1e-7",
      "--epochs",
      "2",
    ];
    expect(parseExportTrlArgs(args)).toEqual({ data, out, loss: "apo_zero", beta: 0.3, lr: 1e-7, epochs: 2 });
    expect(() => parseExportTrlArgs(["--data", data])).toThrow(/--out/);
    expect(() => parseExportTrlArgs([...args, "--lr", "fast"])).toThrow(/--lr = "fast"/);
    const lines: string[] = [];
    expect(await exportTrlCommand(args, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toBe(`launch: cd ${out} && trl dpo --config trl-config.yaml`);
    const config = parseTrlYaml(await readFile(join(out, "trl-config.yaml"), "utf8"));
    expect(config).toMatchObject({ beta: 0.3, learning_rate: 1e-7, num_train_epochs: 2 });
  });

  it("formats YAML scalars that PyYAML reads back as the same types", () => {
    const config = { a: 1e-7, b: 0.1, c: 18, d: true, e: 'say "hi"', f: 1.5e21 };
    const text = formatTrlYaml(config, "two\nlines");
    expect(text).toBe('# two\n# lines\na: 1.0e-7\nb: 0.1\nc: 18\nd: true\ne: "say \\"hi\\""\nf: 1.5e+21\n');
    expect(parseTrlYaml(text)).toEqual(config);
    expect(() => parseTrlYaml("nested:\n  x: 1\n")).toThrow(/line 1/);
  });
});
