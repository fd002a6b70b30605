import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Starts the fake endpoint in a child process and returns its URL. */
export async function startServerProcess(): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL("./server-process.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { url, child };
}

/**
 * Writes `count` CLAIR input rows (prompt + response, ~300 bytes each) to a fresh temp file, a thousand
 * lines per write, so that making the input does not itself hold the whole file in this process's memory.
 */
export function writeInput(count: number): { dir: string; input: string } {
  const dir = mkdtempSync(join(tmpdir(), "clair-bench-"));
  const input = join(dir, "in.jsonl");
  const fd = openSync(input, "w");
  try {
    for (let from = 0; from < count; from += 1000) {
      let text = "";
      for (let i = from; i < Math.min(count, from + 1000); i++) {
        text += `${JSON.stringify({
          prompt: `Question ${i}: explain why the sky is blue in two sentences, for a curious child.`,
          response: `Answer ${i}: sunlight scatters off air molecules, and blue light scatters the most, so the sky looks blue.`,
        })}\n`;
      }
      writeSync(fd, text);
    }
  } finally {
    closeSync(fd);
  }
  return { dir, input };
}
