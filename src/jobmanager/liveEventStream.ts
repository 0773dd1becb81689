import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULTS } from '../config/defaults.js';
import type { LiveHub } from './LiveHub.js';

/**
 * `GET /live`: the hub's messages as Server-Sent Events (`event: snapshot|jobs|points|metrics`,
 * `data: <json>`), until the page goes away. A page that falls more than
 * `DEFAULTS.jobManager.live.maxQueuedBytes` behind is cut off rather than buffered without end;
 * it reconnects and starts again from a snapshot.
 */
export function serveLiveStream(request: IncomingMessage, response: ServerResponse, hub: LiveHub): void {
  const { maxQueuedBytes, heartbeatMs } = DEFAULTS.jobManager.live;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
  });
  // HEAD: GET's headers and no stream, which would otherwise stay open with nothing sent.
  if (request.method === 'HEAD') {
    response.end();
    return;
  }
  const write = (text: string) => {
    if (response.writableLength > maxQueuedBytes) {
      stop();
      response.destroy();
      return;
    }
    response.write(text);
  };
  const unsubscribe = hub.subscribe((event, json) => write(`event: ${event}\ndata: ${json}\n\n`));
  const heartbeat = setInterval(() => write(': keep-alive\n\n'), heartbeatMs);
  const stop = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  request.once('close', stop);
  response.once('close', stop);
}
