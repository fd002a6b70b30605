import { basename, dirname, isAbsolute, normalize, resolve, sep } from "node:path";
import type { TrainConfig, TrainOptions } from "./train-options.js";

/** The path fields of a run. */
const PATH_FIELDS = ["model", "data", "eval", "out", "cacheDir"] as const;

/**
 * The folder an older run was started from, found from where its checkpoint lies: a checkpoint
 * `/x/runs/a/checkpoint-3` of a run whose (relative) `out` was `runs/a` was started in `/x`. Undefined
 * when the checkpoint does not lie in its run's `out`.
 */
function startedIn(checkpointDir: string, out: string): string | undefined {
  const dir = resolve(checkpointDir);
  if (!/^checkpoint-\d+$/.test(basename(dir))) return undefined;
  const runFolder = dirname(dir);
  const tail = normalize(out).replace(/[\\/]+$/, "");
  if (tail === "." || tail.startsWith("..")) return undefined;
  return runFolder.endsWith(`${sep}${tail}`) ? runFolder.slice(0, -tail.length - 1) || sep : undefined;
}

/**
 * A run's paths made absolute, so that `trainer_state.json` records where its files are wherever the run
 * is resumed from: the options' paths against the current directory, and the paths of a checkpoint's
 * config (relative in checkpoints of older versions) against the directory that run was started in
 * (found from where the checkpoint lies, else the current one). `note` says when a checkpoint's relative
 * paths had to be resolved against the current directory.
 *
 * @example
 * ```ts
 * const { options: given, saved } = absoluteRunPaths(options, { dir: "runs/a/checkpoint-3", config });
 * const config = resolveTrainConfig(given, saved);
 * ```
 */
export function absoluteRunPaths(
  options: TrainOptions,
  checkpoint?: { readonly dir: string; readonly config: TrainConfig },
): { options: TrainOptions; saved: TrainConfig | undefined; note: string | null } {
  const given: TrainOptions = { ...options };
  for (const field of PATH_FIELDS) {
    const value = given[field];
    if (typeof value === "string" && value !== "") given[field] = resolve(value);
  }
  if (typeof given.resumeFrom === "string") given.resumeFrom = resolve(given.resumeFrom);
  if (checkpoint === undefined) return { options: given, saved: undefined, note: null };
  const saved: TrainConfig = { ...checkpoint.config };
  const relative = PATH_FIELDS.filter((f) => typeof saved[f] === "string" && !isAbsolute(saved[f] as string));
  if (relative.length === 0) return { options: given, saved, note: null };
  const base = startedIn(checkpoint.dir, saved.out);
  for (const field of relative) {
    const value = saved[field];
    if (typeof value === "string") Object.assign(saved, { [field]: resolve(base ?? ".", value) });
  }
  const note =
    base === undefined
      ? `${checkpoint.dir} records relative paths (${relative.join(", ")}; written by an older apo): ` +
        `resolved against the current directory ${process.cwd()}`
      : null;
  return { options: given, saved, note };
}
