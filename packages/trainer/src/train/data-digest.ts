import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { ApoError } from "../errors.js";
import { IoError } from "../io-error.js";
import type { TrainConfig } from "./train-options.js";

/** A data file as a run read it: absolute path, size and SHA-256 of its bytes. */
export interface DataFileDigest {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

/** The digests of a run's files, saved in each checkpoint's `trainer_state.json`. */
export interface RunDataDigests {
  readonly data: DataFileDigest;
  /** The held-out file; null when the held-out pairs come from `data`. */
  readonly eval: DataFileDigest | null;
}

/**
 * A resumed run's data file is not the one its checkpoint was trained on: it changed (other bytes), or it
 * is gone (moved or deleted). `file` is its absolute path; `expected` and `actual` the SHA-256s (`actual`
 * null when the file is gone).
 *
 * @example
 * ```ts
 * throw new ResumeDataError("data", "/data/pairs.jsonl", saved, null);
 * ```
 */
export class ResumeDataError extends ApoError {
  /** `data` or `eval`: which file of the run. */
  readonly field: "data" | "eval";
  readonly file: string;
  readonly expected: string;
  readonly actual: string | null;

  constructor(field: "data" | "eval", file: string, saved: DataFileDigest, now: DataFileDigest | null) {
    const what =
      now === null
        ? "is gone (moved or deleted)"
        : `changed since the checkpoint: ${saved.bytes} bytes with SHA-256 ${saved.sha256.slice(0, 16)}… then, ` +
          `${now.bytes} bytes with SHA-256 ${now.sha256.slice(0, 16)}… now`;
    super(
      "RESUME_DATA_CHANGED",
      `cannot resume: the ${field === "data" ? "training" : "held-out"} file ${file} ${what}. ` +
        "Resuming on other rows would not continue the same run: put the original file back at that path, " +
        "or start a new run",
    );
    this.field = field;
    this.file = file;
    this.expected = saved.sha256;
    this.actual = now?.sha256 ?? null;
  }
}

/**
 * SHA-256 and size of a file, read as a stream (constant memory). Null when the file does not exist.
 *
 * @throws IoError naming the file when it exists but cannot be read
 * @example
 * ```ts
 * const digest = await digestFile("/data/pairs.jsonl"); // { path, bytes, sha256 }
 * ```
 */
export async function digestFile(path: string): Promise<DataFileDigest | null> {
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw new IoError(path, "read", error);
  }
  return { path, bytes, sha256: hash.digest("hex") };
}

/**
 * The digests of a run's data and held-out files (paths as the config has them: absolute).
 *
 * @throws IoError naming a file that cannot be read
 * @example
 * ```ts
 * const digests = await digestRunData(config);
 * ```
 */
export async function digestRunData(config: Pick<TrainConfig, "data" | "eval">): Promise<RunDataDigests> {
  const digest = async (path: string): Promise<DataFileDigest> => {
    const d = await digestFile(path);
    if (d === null)
      throw new IoError(path, "read", Object.assign(new Error("not found"), { code: "ENOENT" }));
    return d;
  };
  return { data: await digest(config.data), eval: config.eval === null ? null : await digest(config.eval) };
}

/**
 * Check that a resumed run reads the files its checkpoint was trained on: each recorded file is read
 * again at its recorded (absolute) path and must have the same size and SHA-256.
 *
 * @throws ResumeDataError saying which file changed or is gone
 * @example
 * ```ts
 * if (state.dataFiles !== undefined) await checkResumeData(state.dataFiles);
 * ```
 */
export async function checkResumeData(saved: RunDataDigests): Promise<void> {
  for (const field of ["data", "eval"] as const) {
    const then = saved[field];
    if (then === null) continue;
    const now = await digestFile(then.path);
    if (now === null || now.sha256 !== then.sha256 || now.bytes !== then.bytes) {
      throw new ResumeDataError(field, then.path, then, now);
    }
  }
}
