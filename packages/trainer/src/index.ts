export { ApoError, GradientError, MissingGradientRuleError, OnnxGraphError } from "./errors.js";
