// How `npm run bench` times its candidates: each run after a full GC (when exposed), rates in
// events per second, rounds that run every candidate one after the other.
import { median } from './median.js';

/** One timed run: `events` over its seconds, and the check value the run returned. */
async function timed(events: number, run: () => number | Promise<number>): Promise<{ rate: number; check: number }> {
  globalThis.gc?.();
  const start = process.hrtime.bigint();
  const check = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { rate: events / seconds, check };
}

/**
 * Median rates over `rounds`: each round runs the baseline, then every candidate, so that a
 * change of load between rounds hits them alike. Each ratio (candidate / baseline) is taken
 * within its round; `checks` are what the baseline and then each candidate returned, the same in
 * every round or it throws; `rates` are each candidate's rates, round by round.
 */
export async function compareRates(
  events: number,
  rounds: number,
  baseline: () => number | Promise<number>,
  ...candidates: (() => number | Promise<number>)[]
): Promise<{ baseline: number; candidates: number[]; ratios: number[]; checks: number[]; rates: number[][] }> {
  const b: number[] = [];
  const c: number[][] = candidates.map(() => []);
  const r: number[][] = candidates.map(() => []);
  const checks: number[] = [];
  const checked = (i: number, check: number, round: number) => {
    if (round > 0 && checks[i] !== check) throw new Error(`run ${i} (0: the baseline) gave ${check} in round ${round}, ${checks[i]} before`);
    checks[i] = check;
  };
  for (let round = 0; round < rounds; round++) {
    const base = await timed(events, baseline);
    checked(0, base.check, round);
    b.push(base.rate);
    // Each round starts with another candidate, so that none always runs on the heap and JIT state the one before left.
    for (let k = 0; k < candidates.length; k++) {
      const i = (k + round) % candidates.length;
      const { rate, check } = await timed(events, candidates[i]!);
      checked(i + 1, check, round);
      c[i]!.push(rate);
      r[i]!.push(rate / base.rate);
    }
  }
  return { baseline: median(b), candidates: c.map(median), ratios: r.map(median), checks, rates: c };
}
