import { ApoError } from "../errors.js";

/** A flat TRL CLI config: `key: value` lines with scalar values. */
export type TrlConfig = Record<string, string | number | boolean>;

/**
 * A number as PyYAML (YAML 1.1, which `trl --config` uses) reads it back as the same float: its float
 * pattern needs a dot in the mantissa, so `2e-7` becomes `2.0e-7`; integers stay integers.
 */
function yamlNumber(value: number): string {
  const text = String(value);
  if (!/e/.test(text)) return text;
  const [mantissa = "", exponent = ""] = text.split("e");
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}e${exponent}`;
}

/**
 * Write a flat config as YAML for `trl dpo --config FILE` / `trl kto --config FILE`: one `key: value` line
 * each, strings double-quoted (JSON escapes are YAML escapes), floats in a form PyYAML reads as floats.
 *
 * @example
 * ```ts
 * formatTrlYaml({ loss_type: "apo_zero", learning_rate: 2e-7 }); // 'loss_type: "apo_zero"\nlearning_rate: 2.0e-7\n'
 * ```
 */
export function formatTrlYaml(config: TrlConfig, comment?: string): string {
  const head = comment === undefined ? "" : `${comment.replace(/^/gm, "# ")}\n`;
  const lines = Object.entries(config).map(([key, value]) => {
    if (typeof value === "number") {
      if (!Number.isFinite(value))
        throw new ApoError("INVALID_TRL_EXPORT", `${key} = ${value} is not a finite number`);
      return `${key}: ${yamlNumber(value)}`;
    }
    return `${key}: ${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
  });
  return `${head}${lines.join("\n")}\n`;
}

/**
 * Read back a config written by {@link formatTrlYaml} (flat `key: scalar` lines, `#` comments).
 *
 * @throws ApoError (`BAD_TRL_CONFIG`) naming the line of anything else
 * @example
 * ```ts
 * parseTrlYaml('beta: 0.1\nloss_type: "apo_zero"\n'); // { beta: 0.1, loss_type: "apo_zero" }
 * ```
 */
export function parseTrlYaml(text: string): TrlConfig {
  const config: TrlConfig = {};
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*):\s+(.+)$/.exec(line);
    if (match === null)
      throw new ApoError("BAD_TRL_CONFIG", `line ${i + 1}: expected "key: value", got ${raw}`);
    const [, key = "", value = ""] = match;
    if (value === "true" || value === "false") config[key] = value === "true";
    else if (value.startsWith('"')) config[key] = JSON.parse(value) as string;
    else if (Number.isFinite(Number(value))) config[key] = Number(value);
    else config[key] = value;
  });
  return config;
}
