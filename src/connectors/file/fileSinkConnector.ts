import type { SinkConnector } from '../../runtime/Connector.js';
import { lineProtocolSink } from '../../runtime/lineProtocolSink.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * Points as InfluxDB line protocol in a file (created, or truncated when the job starts), or
 * on standard output for `-`.
 */
export function fileSink(path: string): SinkConnector {
  return {
    description: path === '-' ? 'stdout' : `file ${path}`,
    open: async ({ gate }) => lineProtocolSink(new WritableLineSink(path === '-' ? 'stdout' : { path }, gate)),
  };
}
