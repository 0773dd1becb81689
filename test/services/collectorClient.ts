import { randomUUID } from 'node:crypto';

/** A valid click event with a unique event_id, for the collector's tests. */
export function clickEvent(user: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: randomUUID(), user_id: user, url: `/shop/${user}`, http_status: 200, event_timestamp: Date.now() / 1000, ...extra };
}

/** An answer of the collector, its body parsed. */
export interface CollectorAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { accepted?: number; refused?: { index: number; reason: string; detail: string }[]; error?: string };
  readonly text: string;
}

/** POSTs `body` (events as an array, or text as it is) to `url`/v1/events. */
export async function postEvents(url: string, body: unknown[] | string, headers: Record<string, string> = {}): Promise<CollectorAnswer> {
  const response = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: CollectorAnswer['body'] = {};
  try {
    parsed = JSON.parse(text) as CollectorAnswer['body'];
  } catch {
    // Left empty: the test asserts on the status.
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}
