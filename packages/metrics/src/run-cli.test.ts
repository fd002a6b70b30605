import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { samplePairs, temporaryDirectory, writeJsonl, writeTinyTokenizer } from "../test/fixtures.js";
import { runCli } from "./run-cli.js";

let dir: string;
let clair: string;
let judge: string;

beforeAll(() => {
  dir = temporaryDirectory();
  clair = writeJsonl(dir, "clair.jsonl", samplePairs(40));
  judge = writeJsonl(
    dir,
    "judge.jsonl",
    samplePairs(30).map((pair, i) => ({ chosen: samplePairs(31)[i + 1]!.chosen, rejected: pair.rejected })),
  );
});

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

describe("clair-metrics", () => {
  it("prints one row per dataset, side by side", async () => {
    const { code, stdout } = await run(clair, judge, "--threads", "0");
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    expect(lines[0]).toMatch(/Jaccard ×100 \(↑\).*Levenshtein \(↓\)/);
    expect(lines[1]).toMatch(/^dataset\s+pairs\s+mean\s+std\s+median\s+p10–p90\s+mean/);
    expect(lines[2]).toMatch(/^clair\s+40\s/);
    expect(lines[3]).toMatch(/^judge\s+30\s/);
    expect(stdout).toMatch(/whitespace tokens, case-sensitive/);
  });

  it("prints JSON with --json", async () => {
    const { code, stdout } = await run("--json", clair, "--threads", "1");
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as {
      datasets: { name: string; count: number; jaccard: { mean: number } }[];
    };
    expect(parsed.datasets[0]!.name).toBe("clair");
    expect(parsed.datasets[0]!.count).toBe(40);
    expect(parsed.datasets[0]!.jaccard.mean).toBeGreaterThan(0);
  });

  it("writes histograms with --plot", async () => {
    const out = join(dir, "plot.svg");
    const { code } = await run(clair, judge, "--plot", out, "--threads", "0");
    expect(code).toBe(0);
    const svg = readFileSync(out, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("clair: Jaccard ×100");
    expect(svg).toContain("judge: Levenshtein");
    expect(svg.match(/<rect /g)!.length).toBeGreaterThan(4);
  });

  it("stops on a malformed line with file and line, or skips it with --skip-invalid", async () => {
    const bad = writeJsonl(dir, "bad.jsonl", [...samplePairs(3), "{oops", { chosen: "a", rejected: "b" }]);
    const stopped = await run(bad, "--threads", "0");
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/bad\.jsonl:4: not valid JSON/);
    const skipped = await run(bad, "--skip-invalid", "--threads", "0");
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/bad: 1 invalid line\(s\) skipped/);
    expect(skipped.stdout).toMatch(/skipped .*bad\.jsonl:4: not valid JSON/);
  });

  it("uses a tokenizer.json with --tokenizer", async () => {
    const path = writeTinyTokenizer(dir);
    const pairs = writeJsonl(dir, "cats.jsonl", [{ chosen: "The cats sat.", rejected: "the cat sat" }]);
    const { code, stdout } = await run("--json", pairs, "--tokenizer", path, "--threads", "1");
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { datasets: { jaccard: { mean: number } }[] };
    expect(parsed.datasets[0]!.jaccard.mean).toBeCloseTo(60, 10);
    const whitespace = JSON.parse((await run("--json", pairs, "--threads", "0")).stdout) as typeof parsed;
    expect(whitespace.datasets[0]!.jaccard.mean).toBe(0);
  });

  it("caps --threads at the core count, with a note", async () => {
    const { code, stdout, stderr } = await run(clair, "--threads", "200");
    expect(code).toBe(0);
    expect(stderr).toMatch(
      new RegExp(
        `--threads 200 is more than the ${availableParallelism()} cores of this machine; using ${availableParallelism()}`,
      ),
    );
    expect(stdout).toMatch(/^clair\s+40\s/m);
  });

  it("reads a byte order mark, and names a line that is not UTF-8 or too long", async () => {
    const bom = join(dir, "bom.jsonl");
    writeFileSync(bom, `\ufeff${JSON.stringify({ chosen: "a b", rejected: "a c" })}\n`);
    expect((await run(bom, "--threads", "0")).stdout).toMatch(/^bom\s+1\s/m);
    const latin1 = join(dir, "latin1.jsonl");
    writeFileSync(
      latin1,
      Buffer.concat([
        Buffer.from(`${JSON.stringify({ chosen: "a", rejected: "b" })}\n{"chosen":"caf`),
        Buffer.from([0xe9]),
        Buffer.from('","rejected":"x"}\n'),
      ]),
    );
    const stopped = await run(latin1, "--threads", "1");
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(`${latin1}:2: not valid UTF-8`);
    const skipped = await run(latin1, "--threads", "0", "--skip-invalid");
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toMatch(/skipped .*latin1\.jsonl:2: not valid UTF-8/);
    const long = join(dir, "long.jsonl");
    writeFileSync(long, `${JSON.stringify({ chosen: "x".repeat(2 * 2 ** 20), rejected: "y" })}\n`);
    const tooLong = await run(long, "--threads", "0", "--max-line-mib", "1");
    expect(tooLong.code).toBe(1);
    expect(tooLong.stderr).toContain(`${long}:1: the line is longer than 1 MiB`);
  });

  it("prints help with examples, and suggests the nearest flag for an unknown one", async () => {
    for (const flag of ["--help", "-h"]) {
      const { code, stdout } = await run(flag);
      expect(code).toBe(0);
      expect(stdout).toMatch(/\nExamples:\n {2}clair-metrics /);
    }
    const typo = await run(clair, "--jsno");
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/^clair-metrics: unknown option --jsno \(did you mean --json\?\)/);
    expect((await run(clair, "--thread", "2")).stderr).toContain("did you mean --threads?");
    expect((await run(clair, "--bogus")).stderr).not.toContain("did you mean");
  });

  it("reports usage errors with exit code 2", async () => {
    expect((await run()).code).toBe(2);
    expect((await run(clair, "--tokenizer", "no-such-thing")).stderr).toMatch(/--tokenizer takes/);
    expect((await run(clair, "--unit", "bytes")).code).toBe(2);
    expect((await run(clair, "--bogus")).code).toBe(2);
    expect((await run(join(dir, "missing.jsonl"), "--threads", "0")).stderr).toMatch(/no such file/);
    expect((await run("--help")).stdout).toMatch(/^Usage: clair-metrics/);
    expect((await run("--version")).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
