import type { SinkConnector } from '../../runtime/Connector.js';
import { lineProtocolSink } from '../../runtime/lineProtocolSink.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * Points as InfluxDB line protocol in a file (created, or truncated, when the job starts), or
 * on standard output for `-`.
 * @param option what named this output, for error messages (`--to`)
 */
export function fileSink(path: string, option?: string): SinkConnector {
  return {
    description: path === '-' ? 'stdout' : `file ${path}`,
    file: { path, input: false },
    open: async ({ gate }) => {
      const lines = new WritableLineSink(path === '-' ? 'stdout' : { path, option }, gate);
      await lines.opened;
      return lineProtocolSink(lines);
    },
  };
}
