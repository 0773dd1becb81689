/**
 * A min-heap of timers, each `(timeMs, item)`. Items are not removed when they change:
 * the owner pops entries and ignores those whose item no longer wants that time, so a
 * reschedule is one push, O(log n).
 */
export class TimerQueue<T> {
  private readonly times: number[] = [];
  private readonly items: T[] = [];

  get size(): number {
    return this.times.length;
  }

  /** The earliest time queued, `Infinity` when empty. */
  peekTimeMs(): number {
    return this.times.length === 0 ? Infinity : this.times[0]!;
  }

  /** The item of the earliest time. Call only when `size > 0`. */
  peekItem(): T {
    return this.items[0]!;
  }

  push(timeMs: number, item: T): void {
    const { times, items } = this;
    let i = times.length;
    times.push(timeMs);
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= timeMs) break;
      times[i] = times[parent]!;
      items[i] = items[parent]!;
      i = parent;
    }
    times[i] = timeMs;
    items[i] = item;
  }

  /** Removes and returns the earliest item. Call only when `size > 0`. */
  pop(): T {
    const { times, items } = this;
    const top = items[0]!;
    const lastTime = times.pop()!;
    const lastItem = items.pop()!;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && times[right]! < times[left]! ? right : left;
        if (times[child]! >= lastTime) break;
        times[i] = times[child]!;
        items[i] = items[child]!;
        i = child;
      }
      times[i] = lastTime;
      items[i] = lastItem;
    }
    return top;
  }
}
