import { packageTests } from "../../vitest.shared.js";

export default packageTests("@apo-clair/example-eval-each-epoch");
