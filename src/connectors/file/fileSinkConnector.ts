import type { SinkConnector } from '../../runtime/Connector.js';
import { lineProtocolSink } from '../../runtime/lineProtocolSink.js';
import { truncateForResume } from './truncateForResume.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * Points as InfluxDB line protocol in a file (created, or truncated, when the job starts; cut
 * back to its committed length when a Kafka source resumes), or on standard output for `-`.
 * @param option what named this output, for error messages (`--to`)
 */
export function fileSink(path: string, option?: string): SinkConnector {
  return {
    description: path === '-' ? 'stdout' : `file ${path}`,
    file: { path, input: false },
    open: async (context) => {
      const resumeAtBytes = await truncateForResume(path, context, option);
      const lines = new WritableLineSink(path === '-' ? 'stdout' : { path, option, resumeAtBytes }, context.gate);
      await lines.opened;
      return lineProtocolSink(lines);
    },
  };
}
