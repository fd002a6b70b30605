import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../parse-command-line.js";
import { TrainConfigError } from "../train-step/train-config-error.js";
import { LORA_FLAG_OPTIONS, loraFromFlags } from "./lora-flags.js";
import { resolveLoraOption } from "./lora-options.js";

const parse = (...args: string[]) => loraFromFlags(parseCommandLine("train", args, LORA_FLAG_OPTIONS));

describe("loraFromFlags", () => {
  it("is undefined without LoRA flags, true for a bare --lora, and the fields given otherwise", () => {
    expect(parse()).toBeUndefined();
    expect(parse("--lora")).toBe(true);
    expect(resolveLoraOption(parse("--lora"))).toEqual({
      r: 16,
      alpha: 32,
      targets: ["all-linear"],
      rsLora: false,
    });
    expect(parse("--lora-r", "8", "--lora-targets", "q_proj, v_proj", "--lora-rslora")).toEqual({
      r: 8,
      targets: ["q_proj", "v_proj"],
      rsLora: true,
    });
    expect(resolveLoraOption(parse("--lora", "--lora-alpha", "4"))).toEqual({
      r: 16,
      alpha: 4,
      targets: ["all-linear"],
      rsLora: false,
    });
  });

  it("names the flag of a malformed or out-of-range value", () => {
    expect(() => parse("--lora-r", "eight")).toThrow(/--lora-r/);
    expect(() => parse("--lora-alpha", "")).toThrow(TrainConfigError);
    expect(() => parse("--lora-targets", "q_proj,,v_proj")).toThrow(/--lora-targets/);
    expect(() => parse("--lora-r", "0")).toThrow(/--lora-r = 0/);
    expect(() => parse("--lora-r", "1.5")).toThrow(/--lora-r/);
    expect(() => parse("--lora-alpha=-1")).toThrow(/--lora-alpha = -1/);
    expect(() => parse("--lora-alpha", "0")).toThrow(/--lora-alpha/);
  });
});
