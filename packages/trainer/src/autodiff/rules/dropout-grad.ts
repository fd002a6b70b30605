import type { GradientRule } from "../gradient-rule.js";

/**
 * Gradient of `Dropout` in inference mode (as exported models contain it): the identity. A graph that
 * feeds `training_mode` is refused, because the mask would need to be reused.
 *
 * ```text
 * y = x    dx = dy
 * ```
 *
 * @example
 * ```ts
 * GRADIENTS.Dropout === dropoutGrad;
 * ```
 */
export const dropoutGrad: GradientRule = {
  opType: "Dropout",
  gradient: (ctx) => {
    const training = ctx.input(2);
    if (training !== "" && ctx.constInput(2)?.[0] !== 0)
      throw ctx.fail("training-mode Dropout is not supported");
    return [ctx.dy()];
  },
};
