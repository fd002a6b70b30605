/** Sizes and hyper-parameters of a demo run. */
export interface DemoConfig {
  seed: number;
  hiddenSize: number;
  numLayers: number;
  sftSteps: number;
  sftLr: number;
  /** Prompts whose on-policy answers become preference data. */
  preferencePrompts: number;
  /** Held-out prompts for task accuracy. */
  evalPrompts: number;
  /** Share of each dataset's pairs held out for the Figure-4 trajectories. */
  heldOutShare: number;
  alignSteps: number;
  alignLr: number;
  beta: number;
  pairsPerStep: number;
  evalEvery: number;
}

/** The full demo: about ten minutes or less on 2 CPU cores. */
export const FULL_DEMO: DemoConfig = {
  seed: 7,
  hiddenSize: 64,
  numLayers: 2,
  sftSteps: 150,
  sftLr: 3e-3,
  preferencePrompts: 512,
  evalPrompts: 1000,
  heldOutShare: 0.1,
  alignSteps: 80,
  alignLr: 1e-5,
  beta: 0.1,
  pairsPerStep: 16,
  evalEvery: 10,
};

/** A seconds-long run of every stage, for the smoke test. */
export const QUICK_DEMO: DemoConfig = {
  ...FULL_DEMO,
  hiddenSize: 32,
  numLayers: 1,
  sftSteps: 20,
  preferencePrompts: 32,
  evalPrompts: 16,
  heldOutShare: 0.25,
  alignSteps: 4,
  pairsPerStep: 8,
  evalEvery: 2,
};
