import { describe, expect, it } from "vitest";
import { closest } from "./suggest.js";

describe("closest", () => {
  it("suggests what a typo meant, and nothing for what is not near", () => {
    const flags = ["model", "data", "out", "max-length", "max-prompt-length", "batch-size", "json"];
    expect(closest("modle", flags)).toBe("model");
    expect(closest("mdoel", flags)).toBe("model");
    expect(closest("batch_size", flags)).toBe("batch-size");
    expect(closest("max-lenght", flags)).toBe("max-length");
    expect(closest("max-prompt", flags)).toBe("max-prompt-length");
    expect(closest("max", flags)).toBeUndefined(); // two flags start with it
    expect(closest("temperature", flags)).toBeUndefined();
    expect(closest("", flags)).toBeUndefined();
  });

  it("ignores case, dashes and underscores in loss names", () => {
    const losses = ["sigmoid", "ipo", "apo_zero", "apo_down", "apo_zero_unpaired", "kto"];
    expect(closest("apo-zero", losses)).toBe("apo_zero");
    expect(closest("APO_DOWN", losses)).toBe("apo_down");
    expect(closest("apozero", losses)).toBe("apo_zero");
    expect(closest("sigmiod", losses)).toBe("sigmoid");
    expect(closest("orpo-beta", losses)).toBeUndefined();
  });

  it("suggests commands", () => {
    const commands = ["train", "serve", "generate", "logprobs", "init-model", "export-trl", "help"];
    expect(closest("trian", commands)).toBe("train");
    expect(closest("init", commands)).toBe("init-model");
    expect(closest("export", commands)).toBe("export-trl");
    expect(closest("logprob", commands)).toBe("logprobs");
    expect(closest("revise", commands)).toBeUndefined();
  });
});
