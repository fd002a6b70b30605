/**
 * Convert one IEEE 754 half-precision (binary16) bit pattern to a number.
 *
 * ```text
 * value = (-1)^s · 2^(e−15) · (1 + m/1024)   for 0 < e < 31
 *       = (-1)^s · 2^(−14) · (m/1024)        for e = 0 (subnormal)
 *       = ±∞ or NaN                          for e = 31
 * ```
 *
 * @example
 * ```ts
 * float16BitsToNumber(0x3c00); // 1
 * ```
 */
export function float16BitsToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (mantissa / 1024);
  if (exponent === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + mantissa / 1024);
}

/**
 * Convert a bfloat16 bit pattern to a number: bfloat16 is the upper 16 bits of a float32.
 *
 * @example
 * ```ts
 * bfloat16BitsToNumber(0x3f80); // 1
 * ```
 */
export function bfloat16BitsToNumber(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0]!;
}

const scratchU32 = new Uint32Array(1);
const scratchF32 = new Float32Array(scratchU32.buffer);
