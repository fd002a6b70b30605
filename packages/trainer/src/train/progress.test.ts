import { describe, expect, it } from "vitest";
import { Progress, type StepReport } from "./progress.js";

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => chunks.push(s) } as unknown as NodeJS.WritableStream;
  return { stream, chunks };
}

const report = (step: number): StepReport => ({
  step,
  epoch: step / 10,
  loss: 0.5,
  chosenReward: 0.01,
  rejectedReward: -0.02,
  gradNorm: 0.3,
  lr: 2e-7,
  tokens: 1000,
  seconds: 0.5,
});

describe("Progress", () => {
  it("writes a line every logEvery steps and at the last step when not a TTY", () => {
    const { stream, chunks } = sink(false);
    const progress = new Progress(25, 0, { stream, logEvery: 10 });
    for (let s = 1; s <= 25; s++) progress.step(report(s));
    expect(chunks.map((c) => /^step (\d+)\//.exec(c)?.[1])).toEqual(["10", "20", "25"]);
    expect(chunks[0]).toMatch(
      /^step 10\/25 epoch 1\.00 loss 0\.5000 rewards chosen \+0\.0100 rejected -0\.0200 lr 2\.00e-7 2000 tok\/s ETA \S+\n$/,
    );
  });

  it("rewrites one live line on a TTY and ends it before a note", () => {
    const { stream, chunks } = sink(true);
    const progress = new Progress(3, 0, { stream });
    progress.step(report(1));
    progress.step(report(2));
    progress.note("saved out/checkpoint-2");
    progress.close();
    expect(chunks).toHaveLength(3);
    expect(chunks[0]?.startsWith("\r\x1b[2Kstep 1/3")).toBe(true);
    expect(chunks[2]).toBe("\nsaved out/checkpoint-2\n");
  });

  it("is silent with stream null", () => {
    const progress = new Progress(3, 0, { stream: null });
    progress.step(report(1));
    progress.note("x");
    expect(progress.tokensPerSecond).toBeGreaterThan(0);
  });
});
