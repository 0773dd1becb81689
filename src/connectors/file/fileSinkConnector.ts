import type { SinkConnector } from '../../runtime/Connector.js';
import { lineProtocolSink } from '../../runtime/lineProtocolSink.js';
import { openOutputFile } from './openOutputFile.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * Points as InfluxDB line protocol in a file (created, or truncated, when the job starts; cut
 * back to its committed length when a Kafka source resumes; locked against a second writer), or on
 * standard output for `-`.
 * @param option what named this output, for error messages (`--to`)
 */
export function fileSink(path: string, option?: string): SinkConnector {
  return {
    description: path === '-' ? 'stdout' : `file ${path}`,
    file: { path, input: false },
    open: async (context) =>
      lineProtocolSink(path === '-' ? new WritableLineSink('stdout', context.gate) : await openOutputFile(path, context, option, context.gate)),
  };
}
