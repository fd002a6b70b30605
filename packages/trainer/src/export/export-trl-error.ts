import { ApoError } from "../errors.js";

/**
 * An option of `apo export-trl` cannot be mapped to TRL: a loss TRL's DPOTrainer/KTOTrainer does not
 * have, or batch sizes that do not divide. `field` names the option.
 *
 * @example
 * ```ts
 * throw new ExportTrlError("loss", "simpo", "a loss_type of TRL's DPOTrainer or KTOTrainer");
 * ```
 */
export class ExportTrlError extends ApoError {
  /** The option at fault (as {@link ExportTrlOptions} names it). */
  readonly field: string;

  constructor(field: string, value: unknown, expected: string) {
    super(
      "INVALID_TRL_EXPORT",
      `${field} = ${JSON.stringify(value)} cannot be exported: expected ${expected}`,
    );
    this.field = field;
  }
}
