import type { SinkConnector } from '../../runtime/Connector.js';
import { lineProtocolSink } from '../../runtime/lineProtocolSink.js';
import type { InfluxSinkOptions } from './InfluxSink.js';
import { validateInfluxTarget, type InfluxTarget } from './InfluxTarget.js';
import { validateInfluxSinkOptions } from './validateInfluxSinkOptions.js';

/** Options of {@link influxSink}: where to write, and the sink's tuning (defaults in `InfluxSinkOptions`). */
export type InfluxSinkSettings = Partial<InfluxTarget> & Omit<InfluxSinkOptions, 'target' | 'gate' | 'onRetry' | 'onWrite'>;

/**
 * Points to an InfluxDB 2 bucket: batched, gzipped, one write in flight, retried with backoff
 * (README, "InfluxDB sink"). The target is checked here, before the job starts; the token
 * never appears in messages.
 */
export function influxSink(settings: InfluxSinkSettings): SinkConnector {
  const { url, org, bucket, token, ...tuning } = settings;
  const target = validateInfluxTarget({ url, org, bucket, token });
  validateInfluxSinkOptions({ ...tuning, target });
  return {
    description: `influx ${target.url} ${target.org}/${target.bucket}`,
    open: async ({ gate, report, metrics }) => {
      // Imported on open: a run to a file never loads the InfluxDB client's HTTP stack.
      const { InfluxSink } = await import('./InfluxSink.js');
      return lineProtocolSink(
        new InfluxSink({
          ...tuning,
          target,
          gate,
          onRetry: (message) => {
            metrics.sinkRetries++;
            report('warn', message);
          },
          onWrite: (seconds) => metrics.recordSinkWrite(seconds),
        }),
      );
    },
  };
}
