import { ApoError } from "../errors.js";

/**
 * An option of `apo export-trl` cannot be mapped to TRL 1.13: a loss TRL's DPOTrainer/KTOTrainer does not
 * have, a parameter or weights it cannot take, batch sizes that do not divide (or 1 per device for `kto`), a
 * relative model path that does not exist, or an output folder that is not empty (without `force`).
 * `field` names the option.
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
