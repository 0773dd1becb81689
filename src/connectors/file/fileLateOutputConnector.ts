import type { LateOutputConnector } from '../../runtime/Connector.js';
import { WritableLineSink } from './WritableLineSink.js';

/** Late records as JSON lines: partition, position, event time, the watermark missed, and the record as read. */
export function fileLateOutput(path: string): LateOutputConnector {
  return { description: `file ${path}`, open: async () => new WritableLineSink({ path }) };
}
