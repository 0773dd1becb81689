import type { LateOutputConnector } from '../../runtime/Connector.js';
import { truncateForResume } from './truncateForResume.js';
import { WritableLineSink } from './WritableLineSink.js';

/**
 * Late records as JSON lines: partition, position, event time, the watermark missed, and the record as read.
 * @param option what named this output, for error messages (`--late-output`)
 */
export function fileLateOutput(path: string, option?: string): LateOutputConnector {
  return {
    description: `file ${path}`,
    file: { path, input: false },
    open: async (context) => {
      const lines = new WritableLineSink({ path, option, resumeAtBytes: await truncateForResume(path, context, option) });
      await lines.opened;
      return lines;
    },
  };
}
