import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { UnsupportedConfigError } from "./config-error.js";
import type { ModelConfig } from "./model-config.js";
import { parseModelConfig } from "./parse-model-config.js";

/**
 * Read and parse `config.json` from a checkpoint folder.
 *
 * @throws UnsupportedConfigError when the file is not JSON or describes an unsupported model
 * @example
 * ```ts
 * const config = await readModelConfig("../shared/models/stories260k");
 * ```
 */
export async function readModelConfig(dir: string): Promise<ModelConfig> {
  const path = join(dir, "config.json");
  const text = await readFile(path, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new UnsupportedConfigError("config", path, "config.json is not valid JSON");
  }
  return parseModelConfig(raw);
}
