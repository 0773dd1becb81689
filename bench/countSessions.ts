/**
 * How many event-time sessions the given users' event times make with `gapMs`, counted
 * independently of `src/operators`: a user's times sorted, a new session wherever two in a row
 * are more than the gap apart (Flink merges windows whose bounds touch). Exact for input with
 * no late records, which the benchmark's events are.
 */
export function countSessions(timesByUser: Iterable<number[]>, gapMs: number): number {
  let sessions = 0;
  for (const times of timesByUser) {
    times.sort((x, y) => x - y);
    sessions++;
    for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > gapMs) sessions++;
  }
  return sessions;
}
