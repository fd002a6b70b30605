// `@apo/losses/testing`: the float64 finite-difference helpers that check every loss's closed-form gradient,
// for checking a loss you define with `@apo/losses/define` the same way.
export { centralDifference, relativeError, seededRandom } from "./testing/finite-differences.js";
