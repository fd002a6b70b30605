/**
 * API reports: `packages/<name>/api-report.md` lists, per entry point of the package's `exports`, every name
 * the entry exports and what it is, read with the TypeScript compiler from the `@apo-clair/source` file.
 * Reports are checked in, so an export change is a reviewed diff.
 *
 * - `pnpm api:report` writes every report.
 * - `pnpm api:check` (CI) writes nothing; it prints a diff and exits 1 where a report is out of date.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, posix, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/** The export condition that maps each entry point to its TypeScript source. */
export const SOURCE_CONDITION = "@apo-clair/source";
/** Where each package's report lives, relative to the package folder. */
export const REPORT_FILE = "api-report.md";
const FIX = "run `pnpm api:report` and commit the change if it is deliberate";

/** What an exported name is; a name may be several at once (a `const` and a `type` of one name). */
export type ExportKind =
  | "function"
  | "class"
  | "const"
  | "let"
  | "var"
  | "type"
  | "interface"
  | "enum"
  | "namespace";

/** One exported name of an entry point. */
export interface ExportedName {
  name: string;
  kinds: readonly ExportKind[];
  /** Whether it is exported with `export type` (a value that callers can only use as a type). */
  typeOnly: boolean;
  /** Parameter lists of a function's signatures or a class's constructors, e.g. `(batch, params?)`. */
  signatures: readonly string[];
}

/** One entry of a package's `exports` map: its import specifier and its source file. */
export interface EntryPoint {
  specifier: string;
  source: string;
}

/** A report to write: where, and its text. */
export interface Report {
  path: string;
  text: string;
}

/**
 * The entry points of a package from its package.json, `./package.json` excepted.
 * @example entryPoints("/repo/packages/losses") // [{ specifier: "@apo/losses", source: "/repo/…/src/index.ts" }, …]
 */
export function entryPoints(packageDir: string): EntryPoint[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    name: string;
    exports?: Record<string, unknown>;
  };
  return Object.entries(manifest.exports ?? {})
    .filter(([subpath]) => subpath !== "./package.json")
    .map(([subpath, conditions]) => {
      const source =
        typeof conditions === "object" && conditions !== null
          ? (conditions as Record<string, unknown>)[SOURCE_CONDITION]
          : undefined;
      if (typeof source !== "string") {
        throw new Error(
          `${manifest.name}: exports["${subpath}"] has no "${SOURCE_CONDITION}" condition; add it first, pointing at the entry's src/*.ts file`,
        );
      }
      return { specifier: posix.join(manifest.name, subpath), source: resolve(packageDir, source) };
    });
}

/** The `NodeNext` options of tsconfig.base.json (workspace imports resolve to sources), without emitting. */
function compilerOptions(root: string): ts.CompilerOptions {
  const file = join(root, "tsconfig.base.json");
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, file);
  // Only the workspace's declarations are read: no emit, no default lib, no ambient `@types`.
  return { ...options, noEmit: true, composite: false, declaration: false, types: [], noLib: true };
}

/** `lodash/fp` → `lodash`, `@scope/name/sub` → `@scope/name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return (specifier.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1)).join("/");
}

/**
 * A compiler host that resolves only relative imports and the workspace's own packages: third-party
 * declarations (onnxruntime, openai, zod, …) are three quarters of the files otherwise, and an export's kind
 * never depends on them (a re-export from a third-party package would be reported as unresolved).
 */
function workspaceHost(options: ts.CompilerOptions, workspace: ReadonlySet<string>): ts.CompilerHost {
  const host = ts.createCompilerHost(options);
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, resolveOptions, containingSource) =>
    literals.map((literal) => {
      const specifier = literal.text;
      if (!specifier.startsWith(".") && !workspace.has(packageOf(specifier)))
        return { resolvedModule: undefined };
      const mode = ts.getModeForUsageLocation(containingSource, literal, resolveOptions);
      return ts.resolveModuleName(
        specifier,
        containingFile,
        resolveOptions,
        host,
        undefined,
        redirected,
        mode,
      );
    });
  return host;
}

/** One parameter as written: `name`, `name?` (optional or defaulted), `...name`, or a destructuring pattern. */
function parameterText(parameter: ts.ParameterDeclaration): string {
  const name = parameter.name.getText().replace(/\s+/g, " ");
  const optional = parameter.questionToken !== undefined || parameter.initializer !== undefined;
  return `${parameter.dotDotDotToken ? "..." : ""}${name}${optional ? "?" : ""}`;
}

/** The distinct parameter lists of overloads, or of the single implementation when there are none. */
function parameterLists(declarations: readonly ts.SignatureDeclaration[]): string[] {
  const overloads = declarations.filter((d) => !("body" in d) || d.body === undefined);
  const shown = overloads.length > 0 ? overloads : declarations;
  return [...new Set(shown.map((d) => `(${d.parameters.map(parameterText).join(", ")})`))];
}

function variableKind(declaration: ts.Declaration): ExportKind {
  const flags = ts.getCombinedNodeFlags(declaration);
  if (flags & ts.NodeFlags.Const) return "const";
  return flags & ts.NodeFlags.Let ? "let" : "var";
}

function describeSymbol(symbol: ts.Symbol, typeOnly: boolean): ExportedName {
  const declarations = symbol.declarations ?? [];
  const kinds = new Set<ExportKind>();
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Function) kinds.add("function");
  if (flags & ts.SymbolFlags.Class) kinds.add("class");
  if (flags & ts.SymbolFlags.Variable) {
    for (const d of declarations) if (ts.isVariableDeclaration(d)) kinds.add(variableKind(d));
  }
  if (flags & ts.SymbolFlags.Enum) kinds.add("enum");
  if (flags & ts.SymbolFlags.Interface) kinds.add("interface");
  if (flags & ts.SymbolFlags.TypeAlias) kinds.add("type");
  if (flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) kinds.add("namespace");
  if (kinds.size === 0) {
    throw new Error(
      `cannot tell what "${symbol.name}" is (symbol flags ${flags}); teach describeSymbol its kind`,
    );
  }
  const callables = declarations.filter(ts.isFunctionDeclaration);
  const constructors = declarations
    .filter(ts.isClassDeclaration)
    .flatMap((c) => c.members.filter(ts.isConstructorDeclaration));
  return {
    name: symbol.name,
    kinds: [...kinds],
    typeOnly,
    signatures: [...parameterLists(callables), ...parameterLists(constructors).map((p) => `new ${p}`)],
  };
}

/** Whether an export specifier (or its whole `export type { … }` declaration) is type-only. */
function isTypeOnlyExport(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly),
  );
}

/**
 * Every name that `fileName` exports, sorted by name (case-insensitively, then by code unit).
 * @example listExports(program, "/repo/packages/losses/src/index.ts").map((e) => e.name)
 */
export function listExports(program: ts.Program, fileName: string): ExportedName[] {
  const source = program.getSourceFile(fileName);
  if (source === undefined) throw new Error(`${fileName} is not in the program; does the file exist?`);
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(source);
  if (module === undefined) return [];
  return checker
    .getExportsOfModule(module)
    .map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      if ((target.declarations ?? []).length === 0) {
        throw new Error(
          `${fileName}: the export "${symbol.name}" resolves to no declaration; does the module it re-exports from exist and export it?`,
        );
      }
      return { ...describeSymbol(target, isTypeOnlyExport(symbol)), name: symbol.name };
    })
    .sort((a, b) => compareNames(a.name, b.name));
}

function compareNames(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One line of a report: ``- `name` — kind `(params)` ``. */
export function exportLine(entry: ExportedName): string {
  const kind = `${entry.typeOnly && !entry.kinds.every(isTypeKind) ? "type-only " : ""}${entry.kinds.join(", ")}`;
  const signatures = entry.signatures.map((s) => `\`${s}\``).join(" | ");
  return `- \`${entry.name}\` — ${kind}${signatures ? ` ${signatures}` : ""}`;
}

function isTypeKind(kind: ExportKind): boolean {
  return kind === "type" || kind === "interface";
}

/** The text of one package's report. */
export function renderReport(
  packageName: string,
  entries: readonly { specifier: string; exports: readonly ExportedName[] }[],
): string {
  const lines = [
    `# API report: ${packageName}`,
    "",
    "Generated by `pnpm api:report` (scripts/api-report.ts) from each entry point's source; do not edit.",
    "CI runs `pnpm api:check`, which fails when this file and the sources disagree.",
  ];
  for (const { specifier, exports } of entries) {
    lines.push("", `## \`${specifier}\``, "", `${exports.length} exports.`, "");
    lines.push(...exports.map(exportLine));
  }
  return `${lines.join("\n")}\n`;
}

/** The folders of `root/packages/*` that have a package.json, sorted. */
function packageDirs(root: string): string[] {
  const packages = join(root, "packages");
  return readdirSync(packages, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(packages, d.name, "package.json")))
    .map((d) => join(packages, d.name))
    .sort();
}

/** The reports of every package under `root/packages`, and why any could not be made. */
export interface Reports {
  reports: Report[];
  failures: string[];
}

/** The reports of every package under `root/packages`, from one compiler program over all entry points. */
export function buildReports(root: string): Reports {
  const packages = packageDirs(root).map((dir) => ({
    dir,
    name: (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string }).name,
    entries: entryPoints(dir),
  }));
  const options = compilerOptions(root);
  const program = ts.createProgram({
    rootNames: packages.flatMap((p) => p.entries.map((e) => e.source)),
    options,
    host: workspaceHost(options, new Set(packages.map((p) => p.name))),
  });
  const result: Reports = { reports: [], failures: [] };
  for (const p of packages) {
    // One package's broken export must not hide the state of the others' reports.
    try {
      const entries = p.entries.map((e) => ({
        specifier: e.specifier,
        exports: listExports(program, e.source),
      }));
      result.reports.push({ path: join(p.dir, REPORT_FILE), text: renderReport(p.name, entries) });
    } catch (error) {
      result.failures.push(`${p.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return result;
}

type Edit = { op: " " | "-" | "+"; line: string; a: number; b: number };

/** The line edits from `a` to `b` along a longest common subsequence. */
function lineEdits(a: readonly string[], b: readonly string[]): Edit[] {
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    const row = lcs[i] as Uint32Array;
    const below = lcs[i + 1] as Uint32Array;
    for (let j = b.length - 1; j >= 0; j--) {
      row[j] =
        a[i] === b[j] ? (below[j + 1] as number) + 1 : Math.max(below[j] as number, row[j + 1] as number);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      edits.push({ op: " ", line: a[i] as string, a: i++, b: j++ });
    } else if (
      i < a.length &&
      (j === b.length || (lcs[i + 1]?.[j] as number) >= (lcs[i]?.[j + 1] as number))
    ) {
      edits.push({ op: "-", line: a[i] as string, a: i++, b: j });
    } else {
      edits.push({ op: "+", line: b[j] as string, a: i, b: j++ });
    }
  }
  return edits;
}

/**
 * A unified diff from `before` to `after` with `context` unchanged lines around each change; "" if equal.
 * @example unifiedDiff("a\nb\n", "a\nc\n", "old", "new") // "--- old\n+++ new\n@@ -1,2 +1,2 @@\n a\n-b\n+c"
 */
export function unifiedDiff(
  before: string,
  after: string,
  fromLabel: string,
  toLabel: string,
  context = 2,
): string {
  if (before === after) return "";
  const edits = lineEdits(before.split("\n"), after.split("\n"));
  const changed = edits.flatMap((e, k) => (e.op === " " ? [] : [k]));
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - context);
    let end = (changed[k] as number) + context;
    // Merge the changes whose context windows touch into one hunk.
    while (k + 1 < changed.length && (changed[k + 1] as number) - context <= end + 1) {
      k++;
      end = (changed[k] as number) + context;
    }
    const hunk = edits.slice(start, Math.min(edits.length, end + 1));
    const first = hunk[0] as Edit;
    const aCount = hunk.filter((e) => e.op !== "+").length;
    const bCount = hunk.filter((e) => e.op !== "-").length;
    out.push(`@@ -${first.a + 1},${aCount} +${first.b + 1},${bCount} @@`);
    out.push(...hunk.map((e) => `${e.op}${e.line}`));
    k++;
  }
  return out.join("\n");
}

/** The diffs of every out-of-date report (a missing report counts as empty), labelled relative to `root`. */
export function staleReports(root: string, reports: readonly Report[]): string[] {
  return reports.flatMap(({ path, text }) => {
    const label = path.slice(root.length + 1);
    const current = existsSync(path) ? readFileSync(path, "utf8") : "";
    const diff = unifiedDiff(current, text, `${label} (checked in)`, `${label} (from the sources)`);
    return diff ? [diff] : [];
  });
}

function main(argv: readonly string[]): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const relativePath = (path: string) => path.slice(root.length + 1);
  const { reports, failures } = buildReports(root);
  let status = 0;
  if (argv.includes("--check")) {
    const diffs = staleReports(root, reports);
    if (diffs.length > 0) {
      console.error(`${diffs.join("\n\n")}\n\nAPI reports out of date: ${FIX}.`);
      status = 1;
    } else {
      console.log(`API reports up to date: ${reports.map((r) => relativePath(r.path)).join(", ")}.`);
    }
  } else {
    for (const { path, text } of reports) writeFileSync(path, text);
    console.log(`Wrote ${reports.map((r) => relativePath(r.path)).join(", ")}.`);
  }
  for (const failure of failures) console.error(`No API report for ${failure}`);
  return failures.length > 0 ? 1 : status;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
