/**
 * Requests per address in fixed windows: at most `requests` per `windowMs` from one address.
 * The counts live in memory for the current window only (a new window starts with none), so
 * they hold no address longer than one window and cannot grow past one window's callers.
 */
export class RateLimiter {
  private counts = new Map<string, number>();
  private windowEndMs = 0;

  constructor(
    private readonly requests: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request from `address`: 0 when it may go on, else the seconds until it may try again. */
  take(address: string): number {
    const nowMs = this.now();
    if (nowMs >= this.windowEndMs) {
      this.counts = new Map();
      this.windowEndMs = nowMs + this.windowMs;
    }
    const count = (this.counts.get(address) ?? 0) + 1;
    this.counts.set(address, count);
    return count <= this.requests ? 0 : Math.max(1, Math.ceil((this.windowEndMs - nowMs) / 1000));
  }
}
