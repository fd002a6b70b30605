import { existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import { parseArgs } from "node:util";
import { MetricsError } from "./errors.js";
import { renderHistogramsSvg } from "./histogram-svg.js";
import { type CharacterUnit, levenshtein } from "./levenshtein.js";
import { ContrastivenessPool, type FileProgress, type FileReport, type TokenizerSpec } from "./parallel.js";
import { formatReportTable } from "./report-table.js";

const USAGE = `Usage: clair-metrics [options] FILE.jsonl [FILE2.jsonl ...]

Table-1 statistics of preference datasets (one JSON object per line with \`chosen\` and \`rejected\`,
strings or TRL message lists, whose last assistant message is compared): Jaccard similarity ×100 of the
token sets and Levenshtein distance between chosen and rejected, one row per file.

Options:
  --json                 print the statistics as JSON instead of a table
  --tokenizer SPEC       Jaccard tokens: whitespace (default), word, regex:PATTERN, or the path of a
                         Hugging Face tokenizer.json (needs @huggingface/tokenizers)
  --case-insensitive     lower-case texts before tokenizing
  --multiset             multiset Jaccard (repeated tokens count)
  --unit UNIT            code-point (default) or code-unit (UTF-16, as fastest-levenshtein)
  --plot FILE.svg        write histograms of both metrics per dataset
  --skip-invalid         count and report lines that are not pairs instead of stopping at the first
  --threads N            worker threads (default and most: one per core; 0 = none)
  --max-line-mib N       longest line read (default 64); a longer one is an invalid line
  -h, --help             show this help
  -v, --version          show the version

Files are read line by line in constant memory; a UTF-8 byte order mark is accepted, a line that is not
UTF-8 is an invalid line (named by file and line), never read as U+FFFD.

Examples:
  clair-metrics clair.jsonl onpolicy.jsonl stronger.jsonl
  clair-metrics --json --tokenizer models/llama/tokenizer.json --plot hist.svg clair.jsonl
`;

const FLAGS = [
  "json",
  "tokenizer",
  "case-insensitive",
  "multiset",
  "unit",
  "plot",
  "skip-invalid",
  "threads",
  "max-line-mib",
  "help",
  "version",
];

/** Where {@link runCli} writes. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/**
 * Runs `clair-metrics` with the given arguments and returns the exit code: 0 on success, 1 when a file
 * cannot be measured (a malformed line, a missing file), 2 for a usage error.
 */
export async function runCli(args: readonly string[], io: CliIo = process): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    io.stderr.write(`clair-metrics: ${usageError(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (values.version) {
    const require = createRequire(import.meta.url);
    io.stdout.write(`${(require("../package.json") as { version: string }).version}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    io.stderr.write(`clair-metrics: give at least one JSONL file\n\n${USAGE}`);
    return 2;
  }
  let tokenizer: TokenizerSpec;
  let unit: CharacterUnit;
  let threads: number | undefined;
  let maxLineBytes: number | undefined;
  try {
    tokenizer = tokenizerOption(values.tokenizer ?? "whitespace");
    unit = unitOption(values.unit ?? "code-point");
    threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0)) {
      throw new MetricsError("INVALID_OPTION", `--threads takes a whole number ≥ 0, got ${values.threads}`);
    }
    const mib = values["max-line-mib"];
    maxLineBytes = mib === undefined ? undefined : Math.round(Number(mib) * 2 ** 20);
    if (maxLineBytes !== undefined && !(maxLineBytes >= 1)) {
      throw new MetricsError("INVALID_OPTION", `--max-line-mib takes a positive number, got ${mib}`);
    }
  } catch (error) {
    io.stderr.write(`clair-metrics: ${(error as Error).message}\n`);
    return 2;
  }
  const cores = availableParallelism();
  if (threads !== undefined && threads > cores) {
    io.stderr.write(
      `clair-metrics: --threads ${threads} is more than the ${cores} cores of this machine; using ${cores} (more threads only cost memory)\n`,
    );
    threads = cores;
  }

  const pool = new ContrastivenessPool({
    tokenizer,
    unit,
    multiset: values.multiset === true,
    caseSensitive: values["case-insensitive"] !== true,
    ...(threads === undefined ? {} : { threads }),
  });
  const reports: FileReport[] = [];
  const progress = progressPrinter(io.stderr);
  try {
    for (const file of positionals) {
      if (!existsSync(file)) throw new MetricsError("INVALID_OPTION", `${file}: no such file`);
      reports.push(
        await pool.ofFile(file, {
          skipInvalid: values["skip-invalid"] === true,
          onProgress: progress.update,
          ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
        }),
      );
      progress.done();
    }
  } catch (error) {
    progress.done();
    io.stderr.write(`clair-metrics: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await pool.close();
  }

  const names = datasetNames(positionals);
  if (values.plot) {
    const svg = renderHistogramsSvg(reports.map((report, i) => ({ name: names[i]!, ...report.values })));
    writeFileSync(values.plot, svg);
  }
  if (values.json) {
    const datasets = reports.map(({ values: _values, ...report }, i) => ({ name: names[i]!, ...report }));
    const settings = {
      tokenizer: values.tokenizer ?? "whitespace",
      caseSensitive: values["case-insensitive"] !== true,
      multiset: values.multiset === true,
      unit,
    };
    io.stdout.write(`${JSON.stringify({ settings, datasets }, null, 2)}\n`);
  } else {
    io.stdout.write(`${formatReportTable(reports.map((report, i) => ({ name: names[i]!, report })))}\n`);
    const tokens = values.tokenizer ?? "whitespace";
    io.stdout.write(
      `\nJaccard: ${values.multiset ? "multisets" : "sets"} of ${tokens} tokens, ${values["case-insensitive"] ? "case-insensitive" : "case-sensitive"}; Levenshtein: unit-cost edits of ${unit === "code-unit" ? "UTF-16 code units" : "Unicode code points"}.\n`,
    );
    if (values.plot) io.stdout.write(`Histograms: ${values.plot}\n`);
    for (const report of reports) {
      for (const invalid of report.invalidLines) {
        io.stdout.write(`skipped ${report.file}:${invalid.line}: ${invalid.reason}\n`);
      }
      if (report.invalid > report.invalidLines.length) {
        io.stdout.write(
          `… and ${report.invalid - report.invalidLines.length} more invalid lines in ${report.file}\n`,
        );
      }
    }
  }
  return 0;
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      tokenizer: { type: "string" },
      "case-insensitive": { type: "boolean" },
      multiset: { type: "boolean" },
      unit: { type: "string" },
      plot: { type: "string" },
      "skip-invalid": { type: "boolean" },
      threads: { type: "string" },
      "max-line-mib": { type: "string" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
}

/** The parser's complaint, with the nearest known flag for an unknown one. */
function usageError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(message);
  if ((error as { code?: unknown }).code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION" || unknown?.[2] === undefined)
    return message;
  const given = unknown[2].toLowerCase();
  let nearest: string | undefined;
  let distance = Number.POSITIVE_INFINITY;
  for (const flag of FLAGS) {
    const d = levenshtein(given, flag);
    if (d < distance) {
      nearest = flag;
      distance = d;
    }
  }
  // Two edits: a swap of neighbours ("jsno") is two for Levenshtein.
  const near = distance <= Math.max(2, Math.floor(given.length / 3)) ? ` (did you mean --${nearest}?)` : "";
  return `unknown option ${unknown[1]}${unknown[2]}${near}`;
}

function tokenizerOption(value: string): TokenizerSpec {
  if (value === "whitespace" || value === "word") return value;
  if (value.startsWith("regex:")) {
    try {
      return new RegExp(value.slice("regex:".length), "gu");
    } catch (error) {
      throw new MetricsError("INVALID_OPTION", `--tokenizer ${value}: ${(error as Error).message}`);
    }
  }
  if (existsSync(value)) return { tokenizerJson: value };
  throw new MetricsError(
    "INVALID_OPTION",
    `--tokenizer takes whitespace, word, regex:PATTERN or the path of a tokenizer.json; ${value} is none of these (no such file)`,
  );
}

function unitOption(value: string): CharacterUnit {
  if (value === "code-point" || value === "code-unit") return value;
  throw new MetricsError("INVALID_OPTION", `--unit takes code-point or code-unit, got ${value}`);
}

/** File names without directory and `.jsonl`, made unique with the directory when two collide. */
function datasetNames(files: readonly string[]): string[] {
  const short = files.map((file) => basename(file).replace(/\.jsonl$/i, ""));
  return short.map((name, i) => (short.indexOf(name) === short.lastIndexOf(name) ? name : files[i]!));
}

/** Progress on stderr, only for files that take more than a second. */
function progressPrinter(stderr: CliIo["stderr"]): { update: (p: FileProgress) => void; done: () => void } {
  let shown = false;
  let lastLine = 0;
  return {
    update(p) {
      if (p.elapsedMs < 1000) return;
      const percent = p.totalBytes > 0 ? Math.min(100, (100 * p.bytesDone) / p.totalBytes) : 100;
      const rate = p.pairs / (p.elapsedMs / 1000);
      const text = `${p.file}: ${percent.toFixed(0)}%, ${p.pairs} pairs (${rate.toFixed(0)}/s)${p.invalid ? `, ${p.invalid} invalid` : ""}`;
      if (stderr.isTTY) {
        stderr.write(`\r\x1b[2K${text}`);
        shown = true;
      } else if (p.elapsedMs - lastLine >= 2000) {
        lastLine = p.elapsedMs;
        stderr.write(`${text}\n`);
      }
    },
    done() {
      if (shown) stderr.write("\n");
      shown = false;
      lastLine = 0;
    },
  };
}
