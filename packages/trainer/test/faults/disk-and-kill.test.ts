import { spawnSync } from "node:child_process";
import { existsSync, watch } from "node:fs";
import { mkdir, mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type TinyTrainingSetup, writeTinyTrainingSetup } from "../../src/testing/train-fixtures.js";
import { loadCheckpoint } from "../../src/train/checkpoint.js";
import { runApo, startApo } from "./apo-process.js";

/** Whether this machine lets an unprivileged user namespace mount a tmpfs (most Linux kernels do). */
const canMountTmpfs =
  process.platform === "linux" &&
  spawnSync("unshare", [
    "--user",
    "--map-root-user",
    "--mount",
    "sh",
    "-c",
    "mount -t tmpfs -o size=4k tmpfs /mnt",
  ]).status === 0;

describe("fault: disk full and kill during save", () => {
  let dir: string;
  let setup: TinyTrainingSetup;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "apo-fault-disk-"));
    setup = await writeTinyTrainingSetup(dir, 8);
  });

  const train = (out: string, ...extra: string[]) => [
    "train",
    "--model",
    setup.modelDir,
    "--data",
    setup.dataFile,
    "--out",
    out,
    "--lr",
    "1e-3",
    "--batch-size",
    "2",
    "--eval-fraction",
    "0.25",
    ...extra,
  ];

  // A real full disk: the run folder is a tmpfs too small for a checkpoint (each of the two 44 KB
  // safetensors files of this model), in a mount namespace of its own.
  it.skipIf(!canMountTmpfs)(
    "a full disk (a small tmpfs) stops the run with the path that could not be written, and leaves no half checkpoint",
    async () => {
      for (const size of ["64k", "96k"]) {
        const out = join(dir, `full-${size}`);
        await mkdir(out);
        const { code, stdout, stderr } = await runApo(train(out, "--epochs", "1"), {
          wrap: (command) => [
            "unshare",
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            // Run apo on the tmpfs, then list what it left there (the mount goes with the namespace).
            `mount -t tmpfs -o size=${size} tmpfs "$0" && "$@"; code=$?; ls -A "$0" >&1; exit $code`,
            out,
            ...command,
          ],
        });
        expect(code, stderr).toBe(1);
        expect(stderr).toMatch(
          new RegExp(
            `^apo: cannot [a-z ]+ ${out}/\\S+: no space left on the device: free some space, or write elsewhere \\(ENOSPC\\)$`,
            "m",
          ),
        );
        const left = stdout.trim().split("\n");
        expect(
          left.filter((n) => n.includes(".tmp-") || n === ".lock"),
          stdout,
        ).toEqual([]);
      }
    },
    60_000,
  );

  it.skipIf(!existsSync("/dev/full"))(
    "apo logprobs writing to a full device names it (/dev/full)",
    async () => {
      const { code, stderr } = await runApo([
        "logprobs",
        "--model",
        setup.modelDir,
        "--data",
        setup.dataFile,
        "--out",
        "/dev/full",
      ]);
      expect(code).toBe(1);
      expect(stderr).toBe(
        "apo: cannot write /dev/full: no space left on the device: free some space, or write elsewhere (ENOSPC)\n",
      );
    },
    60_000,
  );

  it("SIGKILL while a checkpoint is being saved: the resume cleans up and every checkpoint loads", async () => {
    const out = join(dir, "killed");
    await mkdir(out);
    let caught = false;
    for (let attempt = 0; attempt < 4 && !caught; attempt++) {
      const run = startApo(
        attempt === 0
          ? train(out, "--epochs", "500", "--save-every", "1", "--log-every", "1")
          : ["train", "--resume", out, "--log-every", "1"],
      );
      await run.waitFor(/saved /);
      // Kill the moment the next save creates its temporary folder.
      const watcher = watch(out, (_, name) => {
        if (name?.includes(".tmp-")) run.child.kill("SIGKILL");
      });
      const { signal } = await run.done;
      watcher.close();
      expect(signal).toBe("SIGKILL");
      caught = (await readdir(out)).some((n) => n.includes(".tmp-"));
    }
    const resumed = startApo(["train", "--resume", out, "--log-every", "1"]);
    await resumed.waitFor(/step \d+\//);
    resumed.child.kill("SIGINT");
    const { code, stderr } = await resumed.done;
    expect(code, stderr).toBe(130);
    if (caught) expect(stderr).toMatch(/(removed|restored) \S+checkpoint-\d+(\.tmp-\d+)?/);
    const names = await readdir(out);
    expect(names.filter((n) => n.includes(".tmp-") || n === ".lock")).toEqual([]);
    for (const name of names.filter((n) => /^checkpoint-\d+$/.test(n))) {
      expect((await loadCheckpoint(join(out, name))).state.step).toBe(Number(name.slice(11)));
    }
  }, 120_000);
});
