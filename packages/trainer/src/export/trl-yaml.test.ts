import { describe, expect, it } from "vitest";
import { formatTrlYaml, parseTrlYaml } from "./trl-yaml.js";

describe("formatTrlYaml", () => {
  it("writes scalars that PyYAML reads back as the same types", () => {
    const config = { a: 1e-7, b: 0.1, c: 18, d: true, e: 'say "hi"', f: 1.5e21 };
    const text = formatTrlYaml(config, "two\nlines");
    expect(text).toBe('# two\n# lines\na: 1.0e-7\nb: 0.1\nc: 18\nd: true\ne: "say \\"hi\\""\nf: 1.5e+21\n');
    expect(parseTrlYaml(text)).toEqual(config);
  });

  it("writes lists as flow sequences and a mapping as indented quoted strings", () => {
    const config = {
      loss_type: ["sigmoid", "sft"],
      loss_weights: [1, 2e-7],
      env: { ACCELERATE_MIXED_PRECISION: "no" },
      seed: 1,
    };
    const text = formatTrlYaml(config);
    // "no" is quoted: unquoted, YAML 1.1 reads it as false.
    expect(text).toBe(
      'loss_type: ["sigmoid", "sft"]\nloss_weights: [1, 2.0e-7]\nenv:\n  ACCELERATE_MIXED_PRECISION: "no"\nseed: 1\n',
    );
    expect(parseTrlYaml(text)).toEqual(config);
  });

  it("refuses numbers that are not finite, and reads back only what it writes", () => {
    expect(() => formatTrlYaml({ lr: Number.NaN })).toThrow(/lr = NaN/);
    expect(() => parseTrlYaml("nested:\n  x: 1\n")).toThrow(/line 2/);
    expect(() => parseTrlYaml("  x: 1\n")).toThrow(/line 1/);
    expect(() => parseTrlYaml("a: [1, {}]\n")).toThrow(/line 1/);
  });
});
