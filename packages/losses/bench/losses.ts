/**
 * `pnpm bench` for @apo/losses: apoZeroLoss and dpoLoss on 1M pairs from Float64Array inputs, against a
 * hand-written single loop computing the same formula (same outputs) in the same run.
 * Target: the library within 1.5× of the loop.
 */
import { apoZeroLoss, dpoLoss, type PairedBatch } from "../src/index.js";

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
  return { policyChosen: gen(), policyRejected: gen(), referenceChosen: gen(), referenceRejected: gen() };
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
