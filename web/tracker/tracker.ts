// clickflow's browser tracker, served as /tracker.js: page views with the page's own HTTP
// status, clicks on [data-track] elements, and failed fetch/XHR calls, as clickflow events
// (README, "The browser tracker"). A classic script without imports (one file, no
// dependencies): <script src="https://collector.example/tracker.js" async></script> posts to
// that origin's /v1/events; data-collector="https://…" names another collector.
//
// Delivery is at least once: events wait in a bounded localStorage queue (so they survive a
// reload or going offline) until the collector acknowledged them; each has an event_id so that
// a resent one can be dropped.
(() => {
  interface TrackedEvent {
    event_id: string;
    event_type: string;
    user_id: string;
    session_id: string;
    url: string;
    event_timestamp: number;
    http_status?: number;
    action?: string;
    method?: string;
    referrer?: string;
  }

  const QUEUE_KEY = 'clickflow.queue';
  const USER_KEY = 'clickflow.user';
  const SESSION_KEY = 'clickflow.session';
  /** A batch leaves after this long, or at once when it is this big. */
  const BATCH_MS = 2000;
  const BATCH_EVENTS = 20;
  /** Oldest events are dropped beyond it: a page offline for hours must not fill the storage. */
  const MAX_QUEUED = 1000;
  /** A session ends after 30 minutes without an event, as the sessions job's default gap. */
  const SESSION_IDLE_MS = 30 * 60 * 1000;
  const FIRST_RETRY_MS = 1000;
  const MAX_RETRY_MS = 60_000;
  /** sendBeacon refuses a body over 64 KiB; a bigger queue leaves in several. */
  const BEACON_EVENTS = 100;

  const script = document.currentScript as HTMLScriptElement | null;
  const collector = script?.dataset.collector ?? (script?.src ? new URL(script.src).origin : location.origin);
  const endpoint = `${collector.replace(/\/$/, '')}/v1/events`;
  const send = window.fetch.bind(window);

  const uuid = (): string =>
    typeof crypto.randomUUID === 'function'
      ? crypto.randomUUID()
      : '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) => (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16));

  /** Storage can be full, or refused (private mode): the tracker then forgets rather than fails the page. */
  const read = (storage: Storage, key: string): string | null => {
    try {
      return storage.getItem(key);
    } catch {
      return null;
    }
  };
  const write = (storage: Storage, key: string, value: string): void => {
    try {
      storage.setItem(key, value);
    } catch {
      // Not kept: the events still in memory go out with the next batch.
    }
  };

  let userId = read(localStorage, USER_KEY);
  if (!userId) write(localStorage, USER_KEY, (userId = uuid()));

  function sessionId(now: number): string {
    const [id, last] = (read(sessionStorage, SESSION_KEY) ?? '').split(' ');
    const current = id && now - Number(last) < SESSION_IDLE_MS ? id : uuid();
    write(sessionStorage, SESSION_KEY, `${current} ${now}`);
    return current;
  }

  // The queue lives in localStorage, read and written whole at each change, so that another
  // tab of the site and the next page load see the same events. Memory holds it only when the
  // storage refuses it.
  let memory: TrackedEvent[] = [];
  const load = (): TrackedEvent[] => {
    const text = read(localStorage, QUEUE_KEY);
    try {
      return text ? (JSON.parse(text) as TrackedEvent[]) : memory;
    } catch {
      return memory;
    }
  };
  const save = (events: TrackedEvent[]): void => {
    memory = events.slice(-MAX_QUEUED);
    write(localStorage, QUEUE_KEY, JSON.stringify(memory));
  };
  /** Event ids on their way: neither sent again nor dropped until the collector answers. */
  const sending = new Set<string>();

  let timer: ReturnType<typeof setTimeout> | undefined;
  let retryMs = 0;

  function track(type: string, fields: Partial<TrackedEvent> = {}): void {
    const now = Date.now();
    const queue = load();
    queue.push({ event_id: uuid(), event_type: type, user_id: userId!, session_id: sessionId(now), url: location.pathname, event_timestamp: now / 1000, ...fields });
    save(queue);
    if (queue.length - sending.size >= BATCH_EVENTS && retryMs === 0) flush();
    else schedule(BATCH_MS);
  }

  function schedule(ms: number): void {
    if (timer === undefined) timer = setTimeout(flush, ms);
  }

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (!navigator.onLine) return; // the 'online' event flushes
    const batch = load().filter((event) => !sending.has(event.event_id)).slice(0, BATCH_EVENTS);
    if (batch.length === 0) return;
    for (const event of batch) sending.add(event.event_id);
    const settle = (acknowledged: boolean, retryAfterMs?: number): void => {
      for (const event of batch) sending.delete(event.event_id);
      if (acknowledged) {
        const sent = new Set(batch.map((event) => event.event_id));
        save(load().filter((event) => !sent.has(event.event_id)));
        retryMs = 0;
        if (load().length > sending.size) schedule(0);
        return;
      }
      retryMs = Math.min(MAX_RETRY_MS, retryMs === 0 ? FIRST_RETRY_MS : retryMs * 2);
      schedule(Math.max(retryAfterMs ?? 0, retryMs * (0.5 + Math.random() / 2)));
    };
    send(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch), keepalive: true, credentials: 'omit' }).then(
      (response) => {
        // A refusal of the request itself (400, 413) would be refused again: those events go.
        const retry = response.status === 408 || response.status === 429 || response.status >= 500;
        settle(!retry, Number(response.headers.get('retry-after')) * 1000 || undefined);
      },
      () => settle(false),
    );
  }

  // Leaving the page: what is queued goes by beacon, which the browser delivers after the page
  // is gone. A batch on its way stays queued (its answer will not be seen: the next page sends
  // it again, a duplicate by event_id rather than a loss); offline, everything stays queued.
  addEventListener('pagehide', () => {
    if (!navigator.onLine) return;
    const waiting = load().filter((event) => !sending.has(event.event_id));
    const gone = new Set<string>();
    for (let i = 0; i < waiting.length; i += BEACON_EVENTS) {
      const part = waiting.slice(i, i + BEACON_EVENTS);
      // A string goes as text/plain: sendBeacon may not send a JSON Blob to another origin.
      if (navigator.sendBeacon(endpoint, JSON.stringify(part))) for (const event of part) gone.add(event.event_id);
    }
    save(load().filter((event) => !gone.has(event.event_id)));
  });
  addEventListener('online', () => {
    retryMs = 0;
    flush();
  });

  addEventListener(
    'click',
    (event) => {
      const target = (event.target as Element | null)?.closest?.('[data-track]');
      if (target) track('click', { action: target.getAttribute('data-track')! });
    },
    true,
  );

  const failed = (method: string, url: string | URL, status: number): void => {
    const target = new URL(String(url), location.href);
    if (target.href.startsWith(endpoint)) return;
    const where = target.origin === location.origin ? target.pathname : target.origin + target.pathname;
    track(status > 0 ? 'http_error' : 'network_error', { url: where, method: method.toUpperCase(), ...(status > 0 ? { http_status: status } : {}) });
  };

  window.fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : undefined;
    const method = init?.method ?? request?.method ?? 'GET';
    const url = request?.url ?? (input as string | URL);
    return send(input, init).then(
      (response) => {
        if (response.status >= 400) failed(method, url, response.status);
        return response;
      },
      (error: unknown) => {
        failed(method, url, 0);
        throw error;
      },
    );
  };

  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
    this.addEventListener('load', () => {
      if (this.status >= 400) failed(method, url, this.status);
    });
    this.addEventListener('error', () => failed(method, url, 0));
    return (open as (...args: unknown[]) => void).call(this, method, url, ...rest);
  } as typeof open;

  const navigation = performance.getEntriesByType?.('navigation')[0] as (PerformanceNavigationTiming & { responseStatus?: number }) | undefined;
  const status = navigation?.responseStatus;
  track('page_view', { ...(status ? { http_status: status } : {}), ...(document.referrer ? { referrer: document.referrer } : {}) });
})();
