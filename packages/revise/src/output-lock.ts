import { randomBytes } from "node:crypto";
import { link, open, readFile, rename, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { OutputLockedError } from "./errors.js";

/**
 * What a lock file holds: the process that writes the output, its host, and when it started.
 *
 * @example
 * ```ts
 * const holder: LockHolder = { pid: process.pid, host: "box", started: new Date().toISOString() };
 * ```
 */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/**
 * A held output lock; {@link OutputLock.release} removes it (a run releases it when it ends, however).
 *
 * @example
 * ```ts
 * const lock = await acquireOutputLock("out.jsonl");
 * try { … } finally { await lock.release(); }
 * ```
 */
export interface OutputLock {
  /** The lock file, `<output>.lock`. */
  readonly path: string;
  release(): Promise<void>;
}

function isHolder(value: unknown): value is LockHolder {
  const v = value as Partial<LockHolder> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    Number.isInteger(v.pid) &&
    typeof v.host === "string" &&
    typeof v.started === "string"
  );
}

/** Whether process `pid` of this host is running (a process of another user counts as running). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function readHolder(
  path: string,
): Promise<{ text: string; holder: LockHolder | undefined } | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  let holder: LockHolder | undefined;
  try {
    const value: unknown = JSON.parse(text);
    holder = isHolder(value) ? value : undefined;
  } catch {
    holder = undefined;
  }
  return { text, holder };
}

/**
 * Creates `path` holding `text` unless it exists, atomically: a hard link of the complete file `unique`
 * (so a reader never sees it half written), or, where the file system has no hard links, an exclusive
 * create (`O_EXCL`).
 */
async function createExclusive(unique: string, path: string, text: string): Promise<void> {
  try {
    await link(unique, path);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
  }
  const handle = await open(path, "wx");
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * Takes the exclusive lock of a run's output, `<output>.lock`, so that two runs never write the same
 * journal (each would pay for every row and write it again). The lock file is created whole or not at all
 * (written under a unique name, then hard-linked into place, which fails when the lock exists) and holds
 * the owner's pid, host and start time. A lock whose process is gone (same host, no such pid: a run killed
 * with SIGKILL) is stale: it is taken over, and `onNotice` says so. A lock of a live process, or of
 * another host (whose processes cannot be checked from here), is not.
 *
 * A stale lock is taken over by renaming it aside, which only one of two racing runs can do; the run that
 * renamed it checks that it moved the stale lock and not a fresh one (and puts a fresh one back).
 *
 * @throws {OutputLockedError} naming the holder when the output is locked by a live run.
 * @example
 * ```ts
 * const lock = await acquireOutputLock("clair.jsonl", (message) => console.error(message));
 * ```
 */
export async function acquireOutputLock(
  output: string,
  onNotice?: (message: string) => void,
): Promise<OutputLock> {
  const path = `${output}.lock`;
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  const unique = `${path}.${process.pid}.${randomBytes(4).toString("hex")}`;
  const handle = await open(unique, "wx");
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await createExclusive(unique, path, text);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 5) throw error;
      }
      const seen = await readHolder(path);
      if (seen === undefined) continue; // released meanwhile
      const holder = seen.holder;
      if (holder === undefined) {
        throw new OutputLockedError(
          path,
          { pid: 0, host: "?", started: "?" },
          " (its lock file is unreadable)",
        );
      }
      if (holder.host !== me.host) throw new OutputLockedError(path, holder, ", on another host");
      if (holder.pid === process.pid || alive(holder.pid)) throw new OutputLockedError(path, holder);
      // Stale: move it aside, then make sure what moved is the lock that was judged stale.
      const aside = `${path}.stale.${process.pid}.${randomBytes(4).toString("hex")}`;
      try {
        await rename(path, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw error;
      }
      const moved = await readHolder(aside);
      if (moved !== undefined && moved.text !== seen.text) {
        // Another run took the stale lock over first and this one moved its fresh lock: put it back.
        await link(aside, path).catch(() => undefined);
        await unlink(aside).catch(() => undefined);
        continue;
      }
      await unlink(aside).catch(() => undefined);
      onNotice?.(
        `${path}: taking over a stale lock of pid ${holder.pid} (started ${holder.started}), which is no longer running`,
      );
    }
  } finally {
    await unlink(unique).catch(() => undefined);
  }
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      // Remove the lock only while it is still this run's.
      const seen = await readHolder(path);
      if (seen?.text === text) await unlink(path).catch(() => undefined);
    },
  };
}
