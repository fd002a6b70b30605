import { ApoError } from "../errors.js";

/** A training or optimizer option is invalid; `field` names it. */
export class TrainConfigError extends ApoError {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, expected: string) {
    super("INVALID_TRAIN_CONFIG", `${field} = ${JSON.stringify(value)} is invalid: expected ${expected}`);
    this.field = field;
    this.value = value;
  }
}

/** Throws unless `value` is a finite number within [lo, hi] (open ends where asked). */
export function checkNumber(
  field: string,
  value: number,
  lo: number,
  hi: number,
  { loOpen = false, hiOpen = false }: { loOpen?: boolean; hiOpen?: boolean } = {},
): void {
  const ok =
    typeof value === "number" &&
    !Number.isNaN(value) &&
    (loOpen ? value > lo : value >= lo) &&
    (hiOpen ? value < hi : value <= hi);
  if (!ok)
    throw new TrainConfigError(
      field,
      value,
      `a number in ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`,
    );
}
