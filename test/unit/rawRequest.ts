import { request } from 'node:http';

/** What a server answered to {@link rawRequest}. */
export interface RawReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One request to 127.0.0.1 with exactly these headers: fetch would set Host and Origin itself, and decode what it is sent. */
export function rawRequest(port: number | string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, setHost: false }, (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
