import { mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TrainDataError } from "../data/train-data-error.js";
import { exportTrl, TRL_MODEL_PLACEHOLDER } from "./export-trl.js";
import { exportTrlCommand, parseExportTrlArgs } from "./export-trl-command.js";
import { ExportTrlError } from "./export-trl-error.js";
import { parseTrlYaml } from "./trl-yaml.js";

const pairs = [
  { prompt: "Q1", chosen: " A", rejected: " B" },
  { id: "x", prompt: "Q2", chosen: " C", rejected: " D" },
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
      maxLength: 384,
      seed: 7,
    });
    expect(result.trainer).toBe("dpo");
    expect(result.rows).toEqual({ train: 2, test: 2 });
    expect(result.warnings).toEqual([]);
    const text = await readFile(join(out, "trl-config.yaml"), "utf8");
    expect(text).toMatch(/^learning_rate: 2\.0e-7$/m); // PyYAML reads 2e-7 as a string
    expect(text).toMatch(/^# TRL 1\.13 DPOConfig/);
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
      max_length: 384,
      truncation_mode: "keep_start",
      optim: "rmsprop",
      max_grad_norm: 1,
      seed: 7,
      dtype: "float32",
      bf16: false,
      tf32: false,
      save_strategy: "epoch",
      logging_steps: 10,
      report_to: "none",
      eval_strategy: "epoch",
      per_device_eval_batch_size: 2,
      env: { ACCELERATE_MIXED_PRECISION: "no" },
    });
    const train = (await readFile(join(out, "data", "train.jsonl"), "utf8")).trim().split("\n");
    expect(train.map((l) => JSON.parse(l))).toEqual(pairs);
    expect(await readFile(join(out, "data", "test.jsonl"), "utf8")).toBe(
      await readFile(join(out, "data", "train.jsonl"), "utf8"),
    );
    const readme = await readFile(result.readme, "utf8");
    expect(readme).toContain("TRL 1.13");
    expect(readme).toContain("trl dpo --config trl-config.yaml");
    expect(readme).toContain("accelerate launch --num_processes 4");
    expect(readme).toContain("bf16: false");
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
      max_length: 1024,
    });
    expect(plain.config).not.toHaveProperty("eval_strategy");
    const paper = await exportTrl({ data, out: join(dir, "paper"), preset: "paper" });
    expect(paper.config).toMatchObject({
      learning_rate: 2e-7,
      num_train_epochs: 18,
      gradient_accumulation_steps: 4,
      max_length: 1024,
    });
    // The paper's 512 + 512 cut has no TRL field: it is named in a warning, the config and the README.
    expect(paper.warnings).toEqual([expect.stringMatching(/maxPromptLength = 512.*not exported/)]);
    expect(await readFile(paper.configFile, "utf8")).toMatch(/^# note: maxPromptLength = 512/m);
    expect(await readFile(paper.readme, "utf8")).toMatch(/## Differences from the apo-clair run/);
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

  it("never gives kto one example per device (TRL refuses it)", async () => {
    const ktoData = join(dir, "kto-batch.jsonl");
    await writeFile(ktoData, jsonl([{ prompt: "Q", completion: "A", label: true }]));
    const seven = await exportTrl({ data: ktoData, out: join(dir, "kto-7"), loss: "kto", batchSize: 7 });
    expect(seven.config).toMatchObject({ per_device_train_batch_size: 7, gradient_accumulation_steps: 1 });
    const apo = await exportTrl({ data, out: join(dir, "apo-7"), loss: "apo_zero", batchSize: 7 });
    expect(apo.config.per_device_train_batch_size).toBe(1);
    await expect(
      exportTrl({ data: ktoData, out: join(dir, "kto-8"), loss: "kto", batchSize: 8, gpus: 8 }),
    ).rejects.toMatchObject({ field: "perDeviceBatchSize" });
  });

  it("exports several losses with their weights", async () => {
    const result = await exportTrl({
      data,
      out: join(dir, "rpo"),
      loss: ["sigmoid", "sft"],
      lossWeights: [1, 0.5],
    });
    const config = parseTrlYaml(await readFile(result.configFile, "utf8"));
    expect(config).toMatchObject({ loss_type: ["sigmoid", "sft"], loss_weights: [1, 0.5] });
    expect(config).not.toHaveProperty("label_smoothing");
  });

  it("writes a local model folder relative to the export folder, and keeps ids and absolute paths", async () => {
    const model = join(dir, "models", "tiny");
    await mkdir(model, { recursive: true });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const out = join("runs", "trl");
      const result = await exportTrl({ data, out, model: join("models", "tiny") });
      expect(result.config.model_name_or_path).toBe("../../models/tiny");
      expect(resolve(out, String(result.config.model_name_or_path))).toBe(resolve(model));
      const beside = await exportTrl({ data, out: "export-here", model: "./models/tiny" });
      expect(beside.config.model_name_or_path).toBe("../models/tiny");
      const within = await exportTrl({ data, out: "models", model: "models/tiny", force: true });
      expect(within.config.model_name_or_path).toBe("./tiny");
      await expect(exportTrl({ data, out: "x", model: "./not-here" })).rejects.toMatchObject({
        field: "model",
      });
    } finally {
      process.chdir(cwd);
    }
    const absolute = await exportTrl({ data, out: join(dir, "abs"), model });
    expect(absolute.config.model_name_or_path).toBe(model);
    const hub = await exportTrl({ data, out: join(dir, "hub"), model: "org/not-a-folder" });
    expect(hub.config.model_name_or_path).toBe("org/not-a-folder");
  });

  it("refuses a non-empty output folder without force; with force replaces data/", async () => {
    const out = join(dir, "again");
    await exportTrl({ data, eval: data, out });
    const error = await exportTrl({ data, out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportTrlError);
    expect(error).toMatchObject({ field: "out" });
    expect((error as Error).message).toContain(out);
    expect((error as Error).message).toMatch(/holds README\.md, data, trl-config\.yaml: pass --force/);
    await writeFile(join(out, "notes.txt"), "mine");
    const forced = await exportTrl({ data, out, force: true });
    expect(forced.rows.test).toBe(0);
    // A stale test split would be loaded by load_dataset("data"): it is gone; other files stay.
    expect(await readdir(join(out, "data"))).toEqual(["train.jsonl"]);
    expect(await readFile(join(out, "notes.txt"), "utf8")).toBe("mine");
    await mkdir(join(dir, "empty"));
    await expect(exportTrl({ data, out: join(dir, "empty") })).resolves.toMatchObject({ trainer: "dpo" });
  });

  it("names the option or the line that cannot be exported, before writing anything", async () => {
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
    await expect(exportTrl({ data, out, maxLength: 0 })).rejects.toMatchObject({ field: "maxLength" });
    // A paired file given to an unpaired loss names its first line.
    const error = await exportTrl({ data, out, loss: "apo_zero_unpaired" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainDataError);
    expect(error).toMatchObject({ file: data, line: 1 });
    // Held-out rows must be in the training rows' format.
    const chat = join(dir, "chat.jsonl");
    await writeFile(
      chat,
      jsonl([
        {
          prompt: [{ role: "user", content: "Q" }],
          chosen: [{ role: "assistant", content: "A" }],
          rejected: [{ role: "assistant", content: "B" }],
        },
      ]),
    );
    await expect(exportTrl({ data, eval: chat, out })).rejects.toThrow(
      /chat\.jsonl:1: holds lists of messages but the training file .*pairs\.jsonl holds strings/,
    );
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it("apo export-trl parses its flags, prints the warnings and writes the export", async () => {
    const out = join(dir, "cli");
    const args = [
      "--data",
      data,
      "--out",
      out,
      "--loss",
      "sigmoid,sft",
      "--loss-weights",
      "1,0.25",
      "--beta",
      "0.3",
      "--lr",
      "1e-7",
      "--epochs",
      "2",
      "--max-length",
      "512",
      "--truncation-mode",
      "keep_end",
    ];
    expect(parseExportTrlArgs(args)).toEqual({
      data,
      out,
      loss: ["sigmoid", "sft"],
      lossWeights: [1, 0.25],
      beta: 0.3,
      lr: 1e-7,
      epochs: 2,
      maxLength: 512,
      truncationMode: "keep_end",
    });
    expect(parseExportTrlArgs(["--data", data, "--out", out, "--force"]).force).toBe(true);
    const smoothing = ["--loss", "robust", "--loss-param", "labelSmoothing=0.1", "--loss-param", "beta=0.2"];
    expect(parseExportTrlArgs(["--data", data, "--out", out, ...smoothing])).toMatchObject({
      loss: "robust",
      lossParams: { labelSmoothing: 0.1, beta: 0.2 },
    });
    expect(() => parseExportTrlArgs(["--data", data, "--out", out, "--loss-param", "x"])).toThrow(
      /--loss-param = "x"/,
    );
    expect(() => parseExportTrlArgs(["--data", data])).toThrow(/--out/);
    expect(() => parseExportTrlArgs([...args, "--lr", "fast"])).toThrow(/--lr = "fast"/);
    expect(() => parseExportTrlArgs([...args, "--truncation-mode", "middle"])).toThrow(/--truncation-mode/);
    const lines: string[] = [];
    expect(await exportTrlCommand(args, (l) => lines.push(l))).toBe(0);
    expect(lines.at(-1)).toBe(`launch: cd ${out} && trl dpo --config trl-config.yaml`);
    const config = parseTrlYaml(await readFile(join(out, "trl-config.yaml"), "utf8"));
    expect(config).toMatchObject({
      loss_type: ["sigmoid", "sft"],
      loss_weights: [1, 0.25],
      beta: 0.3,
      learning_rate: 1e-7,
      num_train_epochs: 2,
      max_length: 512,
      truncation_mode: "keep_end",
    });
    await expect(exportTrlCommand(args, () => {})).rejects.toThrow(/--force/);
    const warned: string[] = [];
    await exportTrlCommand(["--data", data, "--out", out, "--force", "--preset", "paper"], (l) =>
      warned.push(l),
    );
    expect(warned[0]).toMatch(/^warning: maxPromptLength = 512/);
  });
});
