import { type ParseArgsConfig, parseArgs } from "node:util";
import { CommandLineError } from "./command-line-error.js";
import { closest } from "./suggest.js";

/** The flags of one command, as `node:util`'s `parseArgs` takes them. */
export type CommandFlags = NonNullable<ParseArgsConfig["options"]>;

/** `--help`/`-h`, which every command takes. */
const HELP_FLAG = { help: { type: "boolean", short: "h" } } as const;

/** The values {@link parseCommandLine} returns for flags `O`. */
export type CommandValues<O extends CommandFlags> = ReturnType<
  typeof parseArgs<{
    args: string[];
    options: O & typeof HELP_FLAG;
    strict: true;
    allowPositionals: false;
  }>
>["values"];

/**
 * Whether the arguments ask for help: `--help` or `-h` anywhere before a `--`. A strict parse refuses a
 * flag value that starts with a dash (`--chat -h` is an error, `--chat=-h` one token), so either flag is
 * never a value here.
 *
 * @example
 * ```ts
 * wantsHelp(["--model", "m", "-h"]); // true
 * ```
 */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf("--");
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** The parser's complaint in our words: the nearest known flag for an unknown one, where help is. */
function explain(command: string, flags: readonly string[], error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS_")) return error;
  const message = error instanceof Error ? error.message : String(error);
  const help = `(apo ${command} --help lists its flags)`;
  const unknown = /Unknown option '(-{1,2})([^']+)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown !== null) {
    const [, dashes, name = ""] = unknown;
    const near = closest(name, flags);
    return new CommandLineError(
      `unknown option ${dashes}${name}${near === undefined ? "" : `: did you mean --${near}?`} ${help}`,
      { flag: name },
    );
  }
  const positional = /Unexpected argument '([^']*)'/.exec(message);
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL" && positional !== null) {
    return new CommandLineError(
      `unexpected argument "${positional[1]}": apo ${command} takes only flags ${help}`,
    );
  }
  const missing = /Option '(-\S+)(?:, (-\S+))? <value>' argument missing/.exec(message);
  if (missing !== null) {
    const flag = missing[2] ?? missing[1] ?? "";
    return new CommandLineError(`${flag} needs a value ${help}`, { flag: flag.replace(/^-+/, "") });
  }
  return new CommandLineError(`${message.replace(/\s+/g, " ").trim()} ${help}`);
}

/**
 * Parse the flags of `apo <command>` strictly (`--help`/`-h` always accepted): an unknown flag is a
 * {@link CommandLineError} that suggests the nearest known one ("unknown option --modle: did you mean
 * --model?"), and says where the command's help is.
 *
 * @throws CommandLineError for an unknown flag, a missing value or a positional argument
 * @example
 * ```ts
 * const values = parseCommandLine("serve", args, { model: { type: "string" }, port: { type: "string" } });
 * ```
 */
export function parseCommandLine<const O extends CommandFlags>(
  command: string,
  args: readonly string[],
  options: O,
): CommandValues<O> {
  try {
    return parseArgs({
      args: [...args],
      options: { ...options, ...HELP_FLAG },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw explain(command, Object.keys(options), error);
  }
}
