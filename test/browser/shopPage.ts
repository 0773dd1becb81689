// The demo shop's page as the browser tests drive it: its two buttons, and the tracker's queue
// in localStorage.
import type { Page } from 'playwright-core';

/**
 * Presses the shop's buttons in turn, add to cart then buy now, and keeps the order: what the
 * tracker must deliver. The turn goes on across a reload of the page.
 */
export class ShopButtons {
  /** The actions pressed, oldest first. */
  readonly pressed: string[] = [];

  constructor(private readonly page: Page) {}

  async press(times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const action = this.pressed.length % 2 === 0 ? 'add_to_cart' : 'buy_now';
      await this.page.click(action === 'add_to_cart' ? '#add' : '#buy');
      // Add to cart checks the stock: its answer must reach the page, or a reload right after
      // would leave a 404 the server saw and the page (so the tracker) never did. Presses
      // alternate, so the status shows a buy's message until the check's answer replaces it.
      if (action === 'add_to_cart') {
        await this.page.waitForFunction(() => /^(In stock|Could not check|Offline)/.test(document.getElementById('status')?.textContent ?? ''));
      }
      this.pressed.push(action);
    }
  }
}

/** The events the tracker holds unsent (offline, or not yet acknowledged). */
export function queuedEvents(page: Page): Promise<{ event_type: string }[]> {
  return page.evaluate(() => JSON.parse(localStorage.getItem('clickflow.queue') ?? '[]') as { event_type: string }[]);
}
