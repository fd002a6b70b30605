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

/**
 * Round a number to the nearest bfloat16 (ties to even) and return its bit pattern. NaN stays NaN.
 *
 * ```text
 * bits = (f32 + 0x7fff + ((f32 >> 16) & 1)) >> 16     (f32 = the float32 bit pattern)
 * ```
 *
 * @example
 * ```ts
 * numberToBfloat16Bits(1); // 0x3f80
 * ```
 */
export function numberToBfloat16Bits(value: number): number {
  scratchF32[0] = value;
  const f32 = scratchU32[0]!;
  if (Number.isNaN(value)) return ((f32 >>> 16) | 0x40) & 0xffff;
  return ((f32 + 0x7fff + ((f32 >>> 16) & 1)) >>> 16) & 0xffff;
}

/**
 * Round a number to the nearest IEEE half-precision value (ties to even) and return its bit pattern:
 * overflow gives ±∞, tiny values become subnormals or ±0.
 *
 * @example
 * ```ts
 * numberToFloat16Bits(1); // 0x3c00
 * numberToFloat16Bits(65520); // 0x7c00 (∞)
 * ```
 */
export function numberToFloat16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a === 0) return sign;
  if (a >= 65520) return sign | 0x7c00; // halfway between the largest half (65504) and 2^16 rounds up
  // Scale to an integer count of the unit in the last place, then round half to even.
  const exponent = Math.max(Math.floor(Math.log2(a)), -14);
  let e = exponent;
  if (2 ** e > a)
    e--; // guard against log2 rounding up
  else if (2 ** (e + 1) <= a) e++;
  e = Math.max(e, -14);
  const ulp = 2 ** (e - 10);
  let m = a / ulp; // in [1024, 2048) for normals, [0, 1024) for subnormals
  const floor = Math.floor(m);
  const frac = m - floor;
  m = frac > 0.5 || (frac === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  if (m >= 2048) {
    m /= 2;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  if (m < 1024) return sign | m; // subnormal (e = −14)
  return sign | ((e + 15) << 10) | (m - 1024);
}

const scratchU32 = new Uint32Array(1);
const scratchF32 = new Float32Array(scratchU32.buffer);
