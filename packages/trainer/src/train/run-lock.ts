import { readFileSync, unlinkSync } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ApoError } from "../errors.js";
import { IoError } from "../io-error.js";

/** Name of the lock file in a run folder. */
export const RUN_LOCK_FILE = ".lock";

/** Who holds a run folder's lock, as its lock file records. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO time the holder took the lock. */
  readonly started: string;
}

/**
 * A run folder is in use: another process holds its lock file (or the file names no holder this process
 * can check). `holder` is null when the lock file cannot be read as one.
 *
 * @example
 * ```ts
 * throw new RunLockedError("runs/a/.lock", { pid: 4242, host: "gpu-1", started: "2025-01-01T00:00:00.000Z" });
 * ```
 */
export class RunLockedError extends ApoError {
  /** The lock file. */
  readonly path: string;
  readonly holder: LockHolder | null;

  constructor(path: string, holder: LockHolder | null) {
    const who =
      holder === null
        ? `a lock file that names no holder (${path})`
        : `pid ${holder.pid} on ${holder.host === hostname() ? "this host" : `host ${holder.host}`}, ` +
          `running since ${holder.started} (lock file ${path})`;
    super(
      "RUN_LOCKED",
      `the run folder is in use by ${who}: wait for that run to finish or stop it, or choose another --out; ` +
        `if no run is using the folder, delete ${path}`,
    );
    this.path = path;
    this.holder = holder;
  }
}

/** A held lock; {@link RunLock.release} gives it back. */
export interface RunLock {
  /** The lock file. */
  readonly path: string;
  /** Remove the lock file if it is still this lock's (idempotent). */
  release(): Promise<void>;
}

/**
 * Whether a process with this id runs on this host (`kill(pid, 0)`: ESRCH means gone; EPERM means it
 * runs under another user).
 *
 * @example
 * ```ts
 * isProcessAlive(process.pid); // true
 * ```
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}

function parseHolder(text: string): LockHolder | null {
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid === "number" && typeof v.host === "string" && typeof v.started === "string") {
      return { pid: v.pid, host: v.host, started: v.started };
    }
  } catch {
    // Not JSON: an empty file of a lock being written, or not our lock file at all.
  }
  return null;
}

async function readLock(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw new IoError(path, "read the lock file", error);
  }
}

/**
 * Take the exclusive lock of a run folder: `<dir>/.lock`, created with O_EXCL and holding this process's
 * pid, host and start time, so at most one process writes a run's checkpoints and metrics. A lock whose
 * holder is gone (same host, its pid no longer running, e.g. after a SIGKILL) is taken over, with a
 * message through `note`. The lock file goes when the lock is released, and at process exit.
 *
 * @throws RunLockedError when a live process (or one on another host, which cannot be checked) holds it;
 *   IoError naming the lock file when it cannot be created
 * @example
 * ```ts
 * const lock = await acquireRunLock("runs/a", { note: console.error });
 * try { await work(); } finally { await lock.release(); }
 * ```
 */
export async function acquireRunLock(
  dir: string,
  options: { note?: (text: string) => void } = {},
): Promise<RunLock> {
  const path = join(dir, RUN_LOCK_FILE);
  const host = hostname();
  const mine = `${JSON.stringify({ pid: process.pid, host, started: new Date().toISOString() })}\n`;
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const handle = await open(path, "wx");
      try {
        await handle.writeFile(mine);
      } finally {
        await handle.close();
      }
      return heldLock(path, mine);
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST")
        throw new IoError(path, "create the lock file", error);
    }
    const text = await readLock(path);
    if (text === null) continue; // released meanwhile: try again
    const holder = parseHolder(text);
    if (holder === null) {
      // Created an instant ago and not yet written, or not a lock we can read: give a writer time.
      if (attempt < 10) {
        await sleep(50);
        continue;
      }
      throw new RunLockedError(path, null);
    }
    if (holder.host !== host || isProcessAlive(holder.pid)) throw new RunLockedError(path, holder);
    // Stale: its process is gone. Remove it only if it is still that same file, then race for a new one.
    if ((await readLock(path)) !== text) continue;
    try {
      await unlink(path);
    } catch (error) {
      if ((error as { code?: string }).code !== "ENOENT")
        throw new IoError(path, "remove the stale lock file", error);
    }
    options.note?.(
      `took over ${path}: its holder, pid ${holder.pid} (since ${holder.started}), is no longer running`,
    );
  }
  throw new RunLockedError(path, parseHolder((await readLock(path)) ?? ""));
}

function heldLock(path: string, mine: string): RunLock {
  let held = true;
  // A process that exits without releasing (an error, process.exit on a second Ctrl-C) still removes it.
  const onExit = (): void => {
    try {
      if (readFileSync(path, "utf8") === mine) unlinkSync(path);
    } catch {
      // Gone already, or unreadable: nothing of ours to remove.
    }
  };
  process.on("exit", onExit);
  return {
    path,
    async release() {
      if (!held) return;
      held = false;
      process.off("exit", onExit);
      if ((await readLock(path)) === mine) {
        await unlink(path).catch((error: unknown) => {
          if ((error as { code?: string }).code !== "ENOENT")
            throw new IoError(path, "remove the lock file", error);
        });
      }
    },
  };
}
