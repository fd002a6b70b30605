import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
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

/** Writes `count` CLAIR input rows (prompt + response, ~300 bytes each) to a fresh temp file. */
export function writeInput(count: number): { dir: string; input: string } {
  const dir = mkdtempSync(join(tmpdir(), "clair-bench-"));
  const input = join(dir, "in.jsonl");
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(
      JSON.stringify({
        prompt: `Question ${i}: explain why the sky is blue in two sentences, for a curious child.`,
        response: `Answer ${i}: sunlight scatters off air molecules, and blue light scatters the most, so the sky looks blue.`,
      }),
    );
  }
  writeFileSync(input, `${lines.join("\n")}\n`);
  return { dir, input };
}
