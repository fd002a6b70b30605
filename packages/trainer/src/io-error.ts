import { ApoError } from "./errors.js";

/** Plain words for the errno codes a run meets most, so the message says what to do. */
const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on the device: free some space, or write elsewhere",
  EDQUOT: "disk quota exceeded: free some space, or write elsewhere",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  ENOENT: "no such file or directory",
  ENOTDIR: "a component of the path is not a folder",
  EISDIR: "is a folder, not a file",
  EMFILE: "too many open files",
  EIO: "input/output error from the device",
};

/**
 * A file operation failed: reading, writing, renaming or removing `path`. Node's own errors name the path
 * for `open` but not for `write` (a full disk says only "ENOSPC: no space left on device, write"), so every
 * I/O the trainer does on run files goes through {@link withPath}, which wraps the failure in this error.
 * `errno` is Node's code (`ENOSPC`, `EACCES`, …) when there is one; `cause` keeps the original error.
 *
 * @example
 * ```ts
 * throw new IoError("runs/a/metrics.jsonl", "append to", Object.assign(new Error("no space"), { code: "ENOSPC" }));
 * // message: "cannot append to runs/a/metrics.jsonl: no space left on the device: free some space, or write elsewhere (ENOSPC)"
 * ```
 */
export class IoError extends ApoError {
  /** The file or folder the operation was on. */
  readonly path: string;
  /** What was being done, in words (`"write"`, `"rename"`, …). */
  readonly operation: string;
  /** Node's error code (`ENOSPC`, `EACCES`, …), or undefined. */
  readonly errno: string | undefined;

  constructor(path: string, operation: string, cause: unknown) {
    const errno = (cause as { code?: unknown } | null)?.code;
    const code = typeof errno === "string" ? errno : undefined;
    const reason =
      code !== undefined && REASONS[code] !== undefined
        ? `${REASONS[code]} (${code})`
        : cause instanceof Error
          ? cause.message
          : String(cause);
    super("IO", `cannot ${operation} ${path}: ${reason}`, { cause });
    this.path = path;
    this.operation = operation;
    this.errno = code;
  }
}

/**
 * Run a file operation and wrap its failure in an {@link IoError} naming `path` (an ApoError, which
 * already says where it is, passes through unchanged).
 *
 * @example
 * ```ts
 * await withPath("runs/a/metrics.jsonl", "append to", () => appendFile("runs/a/metrics.jsonl", line));
 * ```
 */
export async function withPath<T>(path: string, operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (ApoError.isInstance(error)) throw error;
    throw new IoError(path, operation, error);
  }
}
