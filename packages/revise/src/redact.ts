const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g;
const KEY_LIKE = /\b(sk-[A-Za-z0-9_-]{3})[A-Za-z0-9_-]{8,}/g;

/**
 * Removes secrets from a text before it is printed or written: every given secret value, `Bearer` tokens,
 * and OpenAI-style `sk-…` keys.
 *
 * @example
 * ```ts
 * redact("401 for key sk-abcdefghijklmnop", ["hunter2"]); // "401 for key sk-abc***"
 * ```
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("***");
  }
  return out.replace(BEARER, "$1***").replace(KEY_LIKE, "$1***");
}
