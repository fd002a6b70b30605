import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { acquireRunLock, isProcessAlive, RUN_LOCK_FILE, RunLockedError } from "./run-lock.js";

/** The pid of a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  expect(isProcessAlive(pid as number)).toBe(false);
  return pid as number;
}

describe("run folder lock", () => {
  it("is exclusive, records its holder, and goes on release", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-lock-"));
    const lock = await acquireRunLock(dir);
    const path = join(dir, RUN_LOCK_FILE);
    expect(lock.path).toBe(path);
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ pid: process.pid, host: hostname() });
    const error = await acquireRunLock(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunLockedError);
    expect(error).toMatchObject({
      code: "RUN_LOCKED",
      path,
      holder: { pid: process.pid },
      message: expect.stringMatching(
        new RegExp(`in use by pid ${process.pid} on this host, .*delete ${path.replaceAll(".", "\\.")}$`),
      ),
    });
    await lock.release();
    expect(existsSync(path)).toBe(false);
    await lock.release(); // idempotent
    await (await acquireRunLock(dir)).release();
  });

  it("takes over the lock of a process that is gone, saying so", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-lock-"));
    const pid = deadPid();
    const path = join(dir, RUN_LOCK_FILE);
    await writeFile(path, JSON.stringify({ pid, host: hostname(), started: "2025-01-01T00:00:00.000Z" }));
    const notes: string[] = [];
    const lock = await acquireRunLock(dir, { note: (t) => notes.push(t) });
    expect(notes).toEqual([
      `took over ${path}: its holder, pid ${pid} (since 2025-01-01T00:00:00.000Z), is no longer running`,
    ]);
    expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it("does not take over a lock of another host or one it cannot read", async () => {
    const dir = await mkdtemp(join(tmpdir(), "apo-lock-"));
    const path = join(dir, RUN_LOCK_FILE);
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: "elsewhere", started: "x" }));
    await expect(acquireRunLock(dir)).rejects.toThrow(/in use by pid \d+ on host elsewhere/);
    await writeFile(path, "not a lock");
    await expect(acquireRunLock(dir)).rejects.toMatchObject({
      holder: null,
      message: expect.stringMatching(/names no holder/),
    });
  });
});
