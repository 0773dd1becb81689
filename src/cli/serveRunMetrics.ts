import { createServer, type Server } from 'node:http';
import { DEFAULTS } from '../config/defaults.js';
import { EMPTY_METRICS, type JobRecord } from '../jobmanager/ManagedJob.js';
import { snapshotOf } from '../jobmanager/snapshotOf.js';
import type { JobHandle } from '../runtime/JobHandle.js';

/**
 * `clickflow run --metrics-port`: the job's metrics at `GET /metrics` on 127.0.0.1, the same
 * series a job manager serves. Resolves with a `stop()` once listening.
 */
export async function serveRunMetrics(handle: JobHandle, port: number): Promise<{ url: string; stop(): Promise<void> }> {
  const { ManagerMetrics } = await import('../jobmanager/ManagerMetrics.js');
  const metrics = new ManagerMetrics();
  const record = { id: handle.id, name: handle.name, metrics: EMPTY_METRICS } as JobRecord;
  const refresh = () => {
    const current = snapshotOf(handle);
    metrics.observe(record, record.metrics, current);
    record.metrics = current;
  };
  const timer = setInterval(refresh, DEFAULTS.jobManager.metricsIntervalMs);
  timer.unref();
  const server: Server = createServer((request, response) => {
    if (request.method === 'GET' && (request.url ?? '/').split('?')[0] === '/metrics') {
      refresh();
      metrics.text().then(
        (text) => {
          response.writeHead(200, { 'content-type': metrics.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500);
          response.end(String(error));
        },
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('metrics are at /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}/metrics`;
  return {
    url,
    stop: async () => {
      clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
