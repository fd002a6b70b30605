import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../testing/train-fixtures.js";
import { trainUntilStep } from "../testing/train-until-step.js";
import { train } from "./train.js";
import type { TrainOptions } from "./train-options.js";

const files = ["model.safetensors", "optimizer.safetensors"];

/** SHA-256 of the checkpoint's weight and optimizer files (a diff of megabytes would take minutes). */
async function bytes(dir: string): Promise<string[]> {
  return Promise.all(
    files.map(async (f) =>
      createHash("sha256")
        .update(await readFile(join(dir, f)))
        .digest("hex"),
    ),
  );
}

async function metricLines(out: string): Promise<unknown[]> {
  const text = await readFile(join(out, "metrics.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
}

describe("resume (CPU, float32, bit for bit)", () => {
  let dir: string;
  let setup: TinyTrainingSetup;
  let options: TrainOptions;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-resume-"));
    setup = await writeTinyTrainingSetup(dir, 16);
    // 12 training pairs in batches of 4: 3 steps per epoch, 9 in all; RMSProp state matters on resume.
    options = {
      model: setup.modelDir,
      data: setup.dataFile,
      lr: 1e-3,
      epochs: 3,
      batchSize: 4,
      evalFraction: 0.25,
      evalEvery: 3,
      optimizer: "rmsprop",
      progress: { stream: null },
    };
    await train({ ...options, out: join(dir, "whole") });
  }, 60_000);

  it("an interrupted run resumed mid-epoch ends with the same weights, state and metrics", async () => {
    const out = join(dir, "interrupted");
    const stopped = await trainUntilStep({ ...options, out }, 4);
    expect(stopped).toMatchObject({ interrupted: true, step: 4 });
    expect(stopped.checkpoints.map((c) => c.slice(out.length + 1))).toEqual(["checkpoint-3", "checkpoint-4"]);
    const state = JSON.parse(await readFile(join(out, "checkpoint-4", "trainer_state.json"), "utf8"));
    expect(state).toMatchObject({ step: 4, epoch: 1, stepInEpoch: 1 });

    const resumed = await train({ resumeFrom: out, progress: { stream: null } });
    expect(resumed).toMatchObject({ interrupted: false, step: 9 });
    expect(await bytes(join(out, "checkpoint-9"))).toEqual(await bytes(join(dir, "whole", "checkpoint-9")));
    expect(await metricLines(out)).toEqual(await metricLines(join(dir, "whole")));
  }, 60_000);

  it("resuming from the checkpoint of epoch 1 gives the weights of the uninterrupted run", async () => {
    const out = join(dir, "from-epoch-1");
    await train({ resumeFrom: join(dir, "whole", "checkpoint-3"), out, progress: { stream: null } });
    for (const step of [6, 9]) {
      expect(await bytes(join(out, `checkpoint-${step}`))).toEqual(
        await bytes(join(dir, "whole", `checkpoint-${step}`)),
      );
    }
  }, 60_000);

  it("refuses to resume with a setting that changes the trajectory, naming it", async () => {
    await expect(
      train({ resumeFrom: join(dir, "whole"), lr: 2e-3, progress: { stream: null } }),
    ).rejects.toMatchObject({
      field: "lr",
      message: expect.stringMatching(/as in the checkpoint being resumed/),
    });
    await expect(train({ resumeFrom: join(dir, "nothing-here") })).rejects.toMatchObject({
      field: "resumeFrom",
    });
  });
});
