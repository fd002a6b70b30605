import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../test/helpers.js";
import { OutputLockedError } from "./errors.js";
import { acquireOutputLock } from "./output-lock.js";

describe("acquireOutputLock", () => {
  it("holds <output>.lock with pid, host and start time until released; a second taker is refused", async () => {
    const output = join(tempDir(), "out.jsonl");
    const lock = await acquireOutputLock(output);
    const holder = JSON.parse(readFileSync(`${output}.lock`, "utf8")) as Record<string, unknown>;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname() });
    expect(Number.isNaN(Date.parse(String(holder.started)))).toBe(false);
    const error = await acquireOutputLock(output).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputLockedError);
    expect(error).toMatchObject({
      code: "OUTPUT_LOCKED",
      lock: `${output}.lock`,
      holder: { pid: process.pid },
    });
    await lock.release();
    expect(existsSync(`${output}.lock`)).toBe(false);
    const again = await acquireOutputLock(output);
    await again.release();
  });

  it("takes over a stale lock once, when two runs race for it", async () => {
    const output = join(tempDir(), "out.jsonl");
    const dead = 2 ** 22 + 12_345; // above Linux's default pid_max (4194304 is its largest)
    writeFileSync(`${output}.lock`, JSON.stringify({ pid: dead, host: hostname(), started: "then" }));
    const notices: string[] = [];
    const results = await Promise.allSettled([
      acquireOutputLock(output, (m) => notices.push(m)),
      acquireOutputLock(output, (m) => notices.push(m)),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
    expect(notices.some((m) => m.includes(`taking over a stale lock of pid ${dead}`))).toBe(true);
    for (const r of results) if (r.status === "fulfilled") await r.value.release();
  });

  it("refuses an unreadable lock, naming it", async () => {
    const output = join(tempDir(), "out.jsonl");
    writeFileSync(`${output}.lock`, "garbage");
    await expect(acquireOutputLock(output)).rejects.toThrow(/out\.jsonl\.lock: .*unreadable/);
  });
});
