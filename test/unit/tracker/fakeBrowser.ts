// The browser APIs the tracker uses, as fakes in a node:vm context, so that its unit tests run
// the very script the collector serves (dist/web/tracker/tracker.js). The real browser is
// the browser test's business (test/browser/tracker.test.ts).
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export const TRACKER_PATH = fileURLToPath(new URL('../../../web/tracker/tracker.js', import.meta.url));
const trackerSource = () => readFileSync(TRACKER_PATH, 'utf8');

export class FakeStorage {
  readonly items = new Map<string, string>();
  full = false;
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    if (this.full) throw new Error('QuotaExceededError');
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

export interface SentRequest {
  readonly url: string;
  readonly events: Record<string, unknown>[];
  /** The fake clock when it was sent. */
  readonly atMs?: number;
}

/** What the fake collector answers a POST: a status (and Retry-After), or a network failure. */
export type Answer = { status: number; retryAfter?: number } | 'network-error';

/** One tab's storage and the shared clock: a reload makes a new page over the same ones. */
export class FakeBrowser {
  nowMs = Date.UTC(2026, 11, 6, 12);
  online = true;
  readonly localStorage = new FakeStorage();
  readonly sessionStorage = new FakeStorage();
  /** Requests the tracker posted, in order, and the beacons it sent. */
  readonly posts: SentRequest[] = [];
  readonly beacons: SentRequest[] = [];
  /** How the collector answers the next posts; when empty, 202. */
  readonly answers: Answer[] = [];
  beaconAccepted = true;
  private timers: { at: number; id: number; run: () => void }[] = [];
  private nextTimer = 1;

  /** Opens a page that loads the tracker; `status` is its own navigation's HTTP status. */
  open(options: { status?: number; pathname?: string; collector?: string } = {}): FakePage {
    return new FakePage(this, options);
  }

  setTimeout(run: () => void, ms = 0): number {
    const id = this.nextTimer++;
    this.timers.push({ at: this.nowMs + ms, id, run });
    return id;
  }

  clearTimeout(id: number | undefined): void {
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  /** Moves the clock on, running each timer due on the way, and lets the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const until = this.nowMs + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.timers[0];
      if (next === undefined || next.at > until) break;
      this.timers.shift();
      this.nowMs = Math.max(this.nowMs, next.at);
      next.run();
    }
    this.nowMs = until;
    await settle();
  }

  /** Every event the collector acknowledged (answered 2xx) or took by beacon, in order. */
  delivered(): Record<string, unknown>[] {
    return [...this.posts.filter((post) => (post as { acknowledged?: boolean }).acknowledged), ...this.beacons].flatMap((r) => r.events);
  }

  answer(): Answer {
    return this.answers.shift() ?? { status: 202 };
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class FakePage {
  private readonly listeners = new Map<string, ((event: unknown) => void)[]>();
  readonly context: vm.Context;
  /** fetch as the page's own code calls it, after the tracker wrapped it. */
  readonly fetch: (url: string, init?: { method?: string }) => Promise<{ status: number }>;
  /** What the page's own fetch calls answer. */
  pageFetchStatus = 200;

  constructor(
    readonly browser: FakeBrowser,
    options: { status?: number; pathname?: string; collector?: string },
  ) {
    const origin = 'https://shop.example';
    const pathname = options.pathname ?? '/shop';
    const collector = 'https://collect.example';
    const page = this;
    const globals: Record<string, unknown> = {
      localStorage: browser.localStorage,
      sessionStorage: browser.sessionStorage,
      navigator: {
        get onLine() {
          return browser.online;
        },
        sendBeacon(url: string, body: string) {
          if (!browser.online || !browser.beaconAccepted) return false;
          browser.beacons.push({ url, events: JSON.parse(body) });
          return true;
        },
      },
      location: { pathname, origin, href: `${origin}${pathname}` },
      document: {
        currentScript: { src: `${collector}/tracker.js`, dataset: options.collector === undefined ? {} : { collector: options.collector } },
        referrer: '',
      },
      performance: { getEntriesByType: (type: string) => (type === 'navigation' ? [{ responseStatus: options.status ?? 200 }] : []) },
      crypto: webcrypto,
      URL,
      setTimeout: (run: () => void, ms?: number) => browser.setTimeout(run, ms),
      clearTimeout: (id?: number) => browser.clearTimeout(id),
      addEventListener: (type: string, listener: (event: unknown) => void) => {
        page.listeners.set(type, [...(page.listeners.get(type) ?? []), listener]);
      },
      Request: class Request {},
      XMLHttpRequest: class XMLHttpRequest {},
      fetch: async (url: string, init: { method?: string; body?: string } = {}) => {
        if (url.startsWith(`${collector}/`) || (options.collector !== undefined && url.startsWith(options.collector))) {
          const answer = browser.answer();
          if (!browser.online || answer === 'network-error') throw new TypeError('Failed to fetch');
          const post = { url, events: JSON.parse(init.body!), acknowledged: answer.status < 300, atMs: browser.nowMs };
          browser.posts.push(post);
          return { status: answer.status, headers: { get: (name: string) => (name === 'retry-after' && answer.retryAfter !== undefined ? String(answer.retryAfter) : null) } };
        }
        return { status: page.pageFetchStatus, headers: { get: () => null } };
      },
    };
    globals.window = globals;
    this.context = vm.createContext(globals);
    vm.runInContext(`Date.now = () => ${'__now'}();`, this.context);
    this.context.__now = () => browser.nowMs;
    vm.runInContext(trackerSource(), this.context, { filename: 'tracker.js' });
    this.fetch = this.context.fetch as FakePage['fetch'];
  }

  /** A click on an element whose closest [data-track] says `action` (none: an untracked element). */
  click(action?: string): void {
    const tracked = action === undefined ? null : { getAttribute: (name: string) => (name === 'data-track' ? action : null) };
    this.dispatch('click', { target: { closest: (selector: string) => (selector === '[data-track]' ? tracked : null) } });
  }

  dispatch(type: string, event: unknown = {}): void {
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  /** The events in the tracker's localStorage queue. */
  queued(): Record<string, unknown>[] {
    return JSON.parse(this.browser.localStorage.getItem('clickflow.queue') ?? '[]');
  }
}
