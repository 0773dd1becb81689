/**
 * Lets a slow sink hold a source back: the sink closes the gate when its buffer passes its
 * high-water mark and opens it when it drains; the source awaits `whenOpen()` between reads.
 * Memory then stays bounded whatever the input rate.
 */
export class BackpressureGate {
  private waiting: Promise<void> | null = null;
  private openWaiting: (() => void) | null = null;

  get isOpen(): boolean {
    return this.waiting === null;
  }

  close(): void {
    if (this.waiting !== null) return;
    this.waiting = new Promise((resolve) => {
      this.openWaiting = resolve;
    });
  }

  open(): void {
    const resolve = this.openWaiting;
    this.waiting = null;
    this.openWaiting = null;
    resolve?.();
  }

  /** Resolves at once when open, else when the sink opens the gate. */
  whenOpen(): Promise<void> {
    return this.waiting ?? Promise.resolve();
  }
}
