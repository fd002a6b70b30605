import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTrlYaml } from "@apo/trainer";
import { expect, it } from "vitest";
import { runExample } from "./main.js";

it("exports the pairs and the paper's APO-zero settings for an 8-GPU TRL run", async () => {
  const dir = mkdtempSync(join(tmpdir(), "export-trl-"));
  const lines: string[] = [];
  const result = await runExample(dir, (line) => lines.push(line));
  expect(result.trainer).toBe("dpo");
  expect(result.rows.train).toBe(32);
  const config = parseTrlYaml(readFileSync(result.configFile, "utf8"));
  expect(config).toMatchObject({
    loss_type: "apo_zero",
    beta: 0.1,
    learning_rate: 2e-7,
    num_train_epochs: 18,
    optim: "rmsprop",
    lr_scheduler_type: "linear",
    per_device_train_batch_size: 1,
    gradient_accumulation_steps: 2, // 1 per GPU × 2 steps × 8 GPUs = the paper's batch of 16
    max_length: 1024, // TRL 1.13 truncates prompt + completion together
    bf16: false, // float32, as apo train
  });
  expect(config).not.toHaveProperty("max_prompt_length");
  // The paper's separate 512-token prompt and completion cuts have no TRL field: the export says so.
  expect(result.warnings).toEqual([expect.stringMatching(/maxPromptLength = 512/)]);
  expect(
    readFileSync(join(dir, "trl", "data", "train.jsonl"), "utf8")
      .trim()
      .split("\n"),
  ).toHaveLength(32);
  expect(lines.at(-1)).toContain("trl dpo --config trl-config.yaml");
  // A second run needs force: the example passes it, so it can be rerun into the same folder.
  await expect(runExample(dir, () => {})).resolves.toMatchObject({ trainer: "dpo" });
});
