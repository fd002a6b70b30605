import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runExample } from "./main.js";

it("aligns a tiny model with APO-zero: the held-out chosen reward rises above the rejected one", async () => {
  const dir = mkdtempSync(join(tmpdir(), "train-apo-zero-"));
  const summary = await runExample(dir, () => {});
  expect(summary.step).toBeGreaterThan(0);
  const first = summary.metrics[0];
  const last = summary.metrics.at(-1);
  expect(first).toBeDefined();
  expect(last?.reward_margin).toBeGreaterThan(first?.reward_margin ?? 0);
  expect(last?.chosen_reward).toBeGreaterThan(0);
  expect(summary.checkpoints.length).toBeGreaterThan(0);
  expect(existsSync(join(summary.checkpoints.at(-1) as string, "model.safetensors"))).toBe(true);
  expect(
    readFileSync(join(dir, "run", "metrics.jsonl"), "utf8")
      .trim()
      .split("\n").length,
  ).toBe(summary.metrics.length);
});
