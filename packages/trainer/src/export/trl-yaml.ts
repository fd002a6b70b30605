import { ApoError } from "../errors.js";

/** A value of a TRL CLI config: a scalar, a flat list (`loss_type`, `loss_weights`) or the `env` mapping. */
export type TrlValue =
  | string
  | number
  | boolean
  | readonly (string | number)[]
  | { readonly [name: string]: string };

/** A TRL CLI config: `key: value` lines, plus flow lists and one level of string mappings (`env:`). */
export type TrlConfig = Record<string, TrlValue>;

/**
 * A number as PyYAML (YAML 1.1, which `trl --config` uses) reads it back as the same float: its float
 * pattern needs a dot in the mantissa, so `2e-7` becomes `2.0e-7`; integers stay integers.
 */
function yamlNumber(key: string, value: number): string {
  if (!Number.isFinite(value))
    throw new ApoError("INVALID_TRL_EXPORT", `${key} = ${value} is not a finite number`);
  const text = String(value);
  if (!/e/.test(text)) return text;
  const [mantissa = "", exponent = ""] = text.split("e");
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}e${exponent}`;
}

/** A scalar; strings double-quoted (JSON escapes are YAML escapes, and `"no"` stays a string in YAML 1.1). */
function yamlScalar(key: string, value: string | number | boolean): string {
  if (typeof value === "number") return yamlNumber(key, value);
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Write a config as YAML for `trl dpo --config FILE` / `trl kto --config FILE`: one `key: value` line each,
 * strings double-quoted, floats in a form PyYAML reads as floats, lists as flow sequences
 * (`loss_type: ["sigmoid", "sft"]`) and a mapping as indented `name: "value"` lines. The output is also JSON
 * on each line, so {@link parseTrlYaml} reads it back exactly.
 *
 * @throws ApoError (`INVALID_TRL_EXPORT`) for a number that is not finite
 * @example
 * ```ts
 * formatTrlYaml({ loss_type: "apo_zero", learning_rate: 2e-7 }); // 'loss_type: "apo_zero"\nlearning_rate: 2.0e-7\n'
 * ```
 */
export function formatTrlYaml(config: TrlConfig, comment?: string): string {
  const head = comment === undefined ? "" : `${comment.replace(/^/gm, "# ").replace(/^# $/gm, "#")}\n`;
  const lines = Object.entries(config).map(([key, value]) => {
    if (Array.isArray(value)) return `${key}: [${value.map((v) => yamlScalar(key, v)).join(", ")}]`;
    if (typeof value === "object") {
      const entries = Object.entries(value as Record<string, string>);
      return [`${key}:`, ...entries.map(([name, v]) => `  ${name}: ${JSON.stringify(v)}`)].join("\n");
    }
    return `${key}: ${yamlScalar(key, value as string | number | boolean)}`;
  });
  return `${head}${lines.join("\n")}\n`;
}

function parseScalar(value: string, at: () => ApoError): string | number | boolean {
  if (value === "true" || value === "false") return value === "true";
  if (value.startsWith('"')) {
    try {
      return JSON.parse(value) as string;
    } catch {
      throw at();
    }
  }
  return Number.isFinite(Number(value)) ? Number(value) : value;
}

/**
 * Read back a config written by {@link formatTrlYaml}: `key: scalar` lines, flow lists of scalars, one
 * level of indented `name: "value"` lines under a bare `key:`, and `#` comments.
 *
 * @throws ApoError (`BAD_TRL_CONFIG`) naming the line of anything else
 * @example
 * ```ts
 * parseTrlYaml('beta: 0.1\nloss_type: ["sigmoid", "sft"]\n'); // { beta: 0.1, loss_type: ["sigmoid", "sft"] }
 * ```
 */
export function parseTrlYaml(text: string): TrlConfig {
  const config: TrlConfig = {};
  let mapping: Record<string, string> | undefined;
  text.split("\n").forEach((raw, i) => {
    const bad = () => new ApoError("BAD_TRL_CONFIG", `line ${i + 1}: expected "key: value", got ${raw}`);
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^([A-Za-z_][A-Za-z0-9_]*):(?:\s+(.+))?$/.exec(line);
    if (match === null) throw bad();
    const [, key = "", value] = match;
    if (/^\s/.test(raw)) {
      // An indented line belongs to the mapping opened by the last bare `key:` line.
      const v = value === undefined ? undefined : parseScalar(value, bad);
      if (mapping === undefined || typeof v !== "string") throw bad();
      mapping[key] = v;
      return;
    }
    mapping = undefined;
    if (value === undefined) {
      mapping = {};
      config[key] = mapping;
    } else if (value.startsWith("[")) {
      let list: unknown;
      try {
        list = JSON.parse(value);
      } catch {
        throw bad();
      }
      if (!Array.isArray(list) || !list.every((v) => typeof v === "string" || typeof v === "number"))
        throw bad();
      config[key] = list as (string | number)[];
    } else {
      config[key] = parseScalar(value, bad);
    }
  });
  return config;
}
