/**
 * Timers, each `(timeMs, item)`, taken earliest first. Items are not removed when they change:
 * the owner pops entries and ignores those whose item no longer wants that time, so a
 * reschedule is one push.
 *
 * Timers mostly come in time order (a partition's records mostly do, and a timer is a record's
 * time plus a constant), so a push at or after the latest time queued in order goes on the end
 * of a run kept in order: O(1) to push and to pop, and read in memory order. Only a timer behind
 * that (a record out of order, a reschedule) goes into a min-heap, O(log n). The earliest timer
 * is at the head of the run or the top of the heap.
 */
export class TimerQueue<T> {
  /** The run in time order: entries before `runHead` were popped. */
  private runTimes: number[] = [];
  private runItems: T[] = [];
  private runHead = 0;
  private readonly heapTimes: number[] = [];
  private readonly heapItems: T[] = [];

  get size(): number {
    return this.runTimes.length - this.runHead + this.heapTimes.length;
  }

  /** The earliest time queued, `Infinity` when empty. */
  peekTimeMs(): number {
    const run = this.runHead < this.runTimes.length ? this.runTimes[this.runHead]! : Infinity;
    const heap = this.heapTimes.length === 0 ? Infinity : this.heapTimes[0]!;
    return run <= heap ? run : heap;
  }

  /** The item of the earliest time. Call only when `size > 0`. */
  peekItem(): T {
    return this.runFirst() ? this.runItems[this.runHead]! : this.heapItems[0]!;
  }

  push(timeMs: number, item: T): void {
    const { runTimes } = this;
    if (runTimes.length === this.runHead || timeMs >= runTimes[runTimes.length - 1]!) {
      runTimes.push(timeMs);
      this.runItems.push(item);
    } else {
      this.heapPush(timeMs, item);
    }
  }

  /** Removes and returns the earliest item. Call only when `size > 0`. */
  pop(): T {
    if (!this.runFirst()) return this.heapPop();
    const item = this.runItems[this.runHead]!;
    this.runHead++;
    if (this.runHead === this.runTimes.length) {
      this.runTimes.length = 0;
      this.runItems.length = 0;
      this.runHead = 0;
    } else if (this.runHead >= 4_096 && this.runHead * 2 >= this.runTimes.length) {
      // Popped entries are dropped in bulk, so that the run's memory follows what it holds.
      this.runTimes = this.runTimes.slice(this.runHead);
      this.runItems = this.runItems.slice(this.runHead);
      this.runHead = 0;
    }
    return item;
  }

  /** Whether the earliest entry is the run's (on a tie too: either would do). */
  private runFirst(): boolean {
    if (this.runHead === this.runTimes.length) return false;
    return this.heapTimes.length === 0 || this.runTimes[this.runHead]! <= this.heapTimes[0]!;
  }

  private heapPush(timeMs: number, item: T): void {
    const { heapTimes: times, heapItems: items } = this;
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

  private heapPop(): T {
    const { heapTimes: times, heapItems: items } = this;
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
