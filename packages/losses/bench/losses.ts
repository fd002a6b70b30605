/**
 * `pnpm bench` for @apo/losses: apoZeroLoss, dpoLoss and apoAnchoredLoss (per-pair anchors mixing 0, 1 and
 * values between) on 1M pairs from Float64Array inputs, against a hand-written single loop computing the
 * same formula (same outputs) in the same run.
 * Target: the library within 1.5× of the loop.
 */
import { apoAnchoredLoss, apoZeroLoss, dpoLoss, type PairedBatch } from "../src/index.js";

const N = 1_000_000;
const BETA = 0.1;
const ROUNDS = 15;

function makeBatch(): PairedBatch {
  let s = 12345;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const gen = () => Float64Array.from({ length: N }, () => -1 - rand() * 200);
  const anchorDown = Float64Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 0 : i % 3 === 1 ? 1 : rand()));
  return {
    policyChosen: gen(),
    policyRejected: gen(),
    referenceChosen: gen(),
    referenceRejected: gen(),
    anchorDown,
  };
}

const sp = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sig = (x: number) => {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};
const sigPrime = (x: number) => Math.exp(-sp(x) - sp(-x));

/** The same outputs as the library (losses, both gradients, both rewards, mean), in one plain loop. */
function handApoZero(b: PairedBatch) {
  const c = b.policyChosen as Float64Array;
  const r = b.policyRejected as Float64Array;
  const c0 = b.referenceChosen as Float64Array;
  const r0 = b.referenceRejected as Float64Array;
  const losses = new Float64Array(N);
  const gc = new Float64Array(N);
  const gr = new Float64Array(N);
  const rc = new Float64Array(N);
  const rr = new Float64Array(N);
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const uc = BETA * ((c[i] as number) - (c0[i] as number));
    const ur = BETA * ((r[i] as number) - (r0[i] as number));
    const l = 1 - sig(uc) + sig(ur);
    losses[i] = l;
    gc[i] = -BETA * sigPrime(uc);
    gr[i] = BETA * sigPrime(ur);
    rc[i] = uc;
    rr[i] = ur;
    sum += l;
  }
  return { loss: sum / N, losses, gc, gr, rc, rr };
}

/** Per-pair anchored APO: (1 − a)·APO-zero + a·APO-down, its two gradients and rewards, in one loop. */
function handApoAnchored(b: PairedBatch) {
  const c = b.policyChosen as Float64Array;
  const r = b.policyRejected as Float64Array;
  const c0 = b.referenceChosen as Float64Array;
  const r0 = b.referenceRejected as Float64Array;
  const anchors = b.anchorDown as Float64Array;
  const losses = new Float64Array(N);
  const gc = new Float64Array(N);
  const gr = new Float64Array(N);
  const rc = new Float64Array(N);
  const rr = new Float64Array(N);
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const a = anchors[i] as number;
    const uc = BETA * ((c[i] as number) - (c0[i] as number));
    const ur = BETA * ((r[i] as number) - (r0[i] as number));
    const uz = uc - ur;
    const sc = sig(uc);
    const pc = BETA * sigPrime(uc);
    const pz = BETA * sigPrime(uz);
    const l = (1 - a) * (1 - sc + sig(ur)) + a * (sc + 1 - sig(uz));
    losses[i] = l;
    gc[i] = (1 - a) * -pc + a * (pc - pz);
    gr[i] = (1 - a) * BETA * sigPrime(ur) + a * pz;
    rc[i] = uc;
    rr[i] = ur;
    sum += l;
  }
  return { loss: sum / N, losses, gc, gr, rc, rr };
}

function handDpo(b: PairedBatch) {
  const c = b.policyChosen as Float64Array;
  const r = b.policyRejected as Float64Array;
  const c0 = b.referenceChosen as Float64Array;
  const r0 = b.referenceRejected as Float64Array;
  const losses = new Float64Array(N);
  const gc = new Float64Array(N);
  const gr = new Float64Array(N);
  const rc = new Float64Array(N);
  const rr = new Float64Array(N);
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const dc = (c[i] as number) - (c0[i] as number);
    const dr = (r[i] as number) - (r0[i] as number);
    const u = BETA * (dc - dr);
    const l = sp(-u);
    const g = -BETA * sig(-u);
    losses[i] = l;
    gc[i] = g;
    gr[i] = -g;
    rc[i] = BETA * dc;
    rr[i] = BETA * dr;
    sum += l;
  }
  return { loss: sum / N, losses, gc, gr, rc, rr };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(f: () => unknown): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}

const batch = makeBatch();
const cases = [
  { name: "apoZeroLoss", lib: () => apoZeroLoss(batch), hand: () => handApoZero(batch) },
  { name: "dpoLoss", lib: () => dpoLoss(batch), hand: () => handDpo(batch) },
  {
    name: "apoAnchoredLoss",
    lib: () => apoAnchoredLoss(batch as PairedBatch & { anchorDown: Float64Array }),
    hand: () => handApoAnchored(batch),
  },
];
console.log(`@apo/losses: ${N.toLocaleString()} pairs, median of ${ROUNDS} rounds (after warm-up)`);
console.log("| loss | library ms | hand loop ms | library Mpairs/s | ratio (library/loop) | target |");
console.log("|---|---|---|---|---|---|");
let failed = false;
for (const c of cases) {
  if (Math.abs((c.lib() as { loss: number }).loss - (c.hand() as { loss: number }).loss) > 1e-12) {
    throw new Error(`${c.name}: library and hand loop disagree`);
  }
  for (let i = 0; i < 3; i++) {
    c.lib();
    c.hand();
  }
  const lib: number[] = [];
  const hand: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    lib.push(time(c.lib));
    hand.push(time(c.hand));
  }
  const ml = median(lib);
  const mh = median(hand);
  const ratio = ml / mh;
  failed ||= ratio > 1.5;
  console.log(
    `| ${c.name} | ${ml.toFixed(1)} | ${mh.toFixed(1)} | ${(N / ml / 1e3).toFixed(1)} | ${ratio.toFixed(2)}× | ≤ 1.5× ${ratio <= 1.5 ? "✓" : "✗"} |`,
  );
}
if (failed) process.exitCode = 1;
