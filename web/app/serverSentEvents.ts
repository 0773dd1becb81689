// Server-Sent Events read with fetch rather than EventSource: EventSource cannot send the
// Authorization header, and a token must never travel in a URL.

/** One event of a stream: its name (`message` unless the frame says) and its joined data lines. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
}

/** Splits a text stream into events; comment lines (heartbeats) and frames without data give none. */
export async function* serverSentEvents(body: ReadableStream<BufferSource>): AsyncGenerator<ServerSentEvent> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const parsed = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (parsed !== undefined) yield parsed;
    }
  }
}

export function parseFrame(frame: string): ServerSentEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') };
}
