/**
 * A row in TRL's implicit-prompt form split into prompt, chosen and rejected, exactly as TRL 1.13's
 * `extract_prompt` splits it: the prompt is the longest common prefix of `chosen` and `rejected`
 * (characters of two strings, whole messages of two message lists). A space just before the first
 * difference goes to the completions. TRL's quirks are kept so the same rows give the same tokens:
 *
 * ```text
 * for idx in 0 … min(|chosen|, |rejected|) − 1:
 *   if chosen[idx] ≠ rejected[idx]: (if chosen[idx − 1] = " ": idx −= 1); stop
 * prompt = chosen[:idx]   chosen = chosen[idx:]   rejected = rejected[idx:]     (Python slices)
 * ```
 *
 * When one side is a prefix of the other the loop ends without a difference and idx is the last index
 * (`"a b"` / `"a b c"` → prompt `"a "`); a difference at index 0 after a trailing space gives idx −1,
 * which Python slices from the end.
 *
 * @returns null when either side is empty (TRL fails there); the caller names the row.
 * @example
 * ```ts
 * extractPrompt("The sky is blue.", "The sky is green."); // { prompt: "The sky is", chosen: " blue.", rejected: " green." }
 * ```
 */
export function extractPrompt<T extends string | readonly unknown[]>(
  chosen: T,
  rejected: T,
): { prompt: T; chosen: T; rejected: T } | null {
  const a = typeof chosen === "string" ? [...chosen] : [...chosen];
  const b = typeof rejected === "string" ? [...rejected] : [...rejected];
  const n = Math.min(a.length, b.length);
  if (n === 0) return null;
  let idx = 0;
  for (idx = 0; idx < n; idx++) {
    if (!sameItem(a[idx], b[idx])) {
      if (a.at(idx - 1) === " ") idx -= 1;
      break;
    }
  }
  if (idx === n) idx = n - 1;
  const join = (items: unknown[]): T => (typeof chosen === "string" ? items.join("") : items) as T;
  return {
    prompt: join(pySlice(a, 0, idx)),
    chosen: join(pySlice(a, idx, a.length)),
    rejected: join(pySlice(b, idx, b.length)),
  };
}

/** Python's `xs[start:end]` for the (possibly negative) indices this module produces. */
function pySlice(xs: unknown[], start: number, end: number): unknown[] {
  const at = (i: number) => (i < 0 ? Math.max(0, xs.length + i) : Math.min(i, xs.length));
  return xs.slice(at(start), at(end));
}

/** Equality as Python's `==` on JSON values (strings by code point, messages as dictionaries). */
function sameItem(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== "object" || typeof y !== "object" || x === null || y === null) return false;
  if (Array.isArray(x) !== Array.isArray(y)) return false;
  const kx = Object.keys(x);
  const ky = Object.keys(y);
  if (kx.length !== ky.length) return false;
  const ox = x as Record<string, unknown>;
  const oy = y as Record<string, unknown>;
  return kx.every((k) => k in oy && sameItem(ox[k], oy[k]));
}
