import { ApoError } from "./errors.js";

/**
 * A command of the `apo` CLI was called wrongly: an unknown command, a flag with a bad value, a required
 * flag missing. The message says which and, where the CLI gives it, ends with the usage text.
 *
 * @example
 * ```ts
 * throw new CommandLineError("--port must be an integer, got http", { flag: "port" });
 * ```
 */
export class CommandLineError extends ApoError {
  /** The flag at fault (without `--`), when there is one. */
  readonly flag: string | undefined;

  constructor(message: string, facts: { flag?: string; usage?: string } = {}) {
    super("USAGE", facts.usage === undefined ? message : `${message}\n${facts.usage}`);
    this.flag = facts.flag;
  }
}
