import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary directory. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "clair-revise-"));
}

/** Writes rows as JSONL. */
export function writeJsonl(path: string, rows: readonly unknown[]): string {
  writeFileSync(path, rows.map((row) => `${JSON.stringify(row)}\n`).join(""));
  return path;
}

/** Reads a JSONL file, skipping blank lines (missing → empty). */
export function readRows<T = Record<string, unknown>>(path: string): T[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

/** `count` prompts; every `rejectEvery`-th one carries a directive that makes the reviser fail. */
export function prompts(count: number, rejectEvery = 5): { prompt: string; response: string }[] {
  return Array.from({ length: count }, (_, i) => ({
    prompt: i % rejectEvery === rejectEvery - 1 ? `question ${i} #nomarker` : `question ${i}`,
    response: `answer ${i}`,
  }));
}
