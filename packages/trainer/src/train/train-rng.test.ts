import { describe, expect, it } from "vitest";
import { TrainRng } from "./train-rng.js";

describe("TrainRng", () => {
  it("restores its state exactly and gives permutations", () => {
    const a = new TrainRng(7);
    a.permutation(5);
    const b = new TrainRng(0, a.state);
    expect(b.permutation(20)).toEqual(a.permutation(20));
    expect([...new TrainRng(7).permutation(50)].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(new TrainRng(1).permutation(50)).not.toEqual(new TrainRng(2).permutation(50));
  });
});
